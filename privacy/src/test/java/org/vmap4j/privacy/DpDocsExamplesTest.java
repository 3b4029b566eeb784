package org.vmap4j.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The snippets of docs/dp.md, as written there, with the figures the text states. */
class DpDocsExamplesTest {

  @Test
  void theApi() {
    PrivacyAccountant rdp = new RdpAccountant(); // Opacus's orders
    PrivacyAccountant pld = new PldAccountant(); // grid of losses at 1e-4

    // 90 epochs at q = 0.04 (batch of 2400 expected out of 60000), noise multiplier 1.5
    rdp.step(1.5, 0.04, 2250);
    pld.step(1.5, 0.04, 2250);

    double epsRdp = rdp.epsilon(1e-5); // 7.329 (Opacus reports 7.32911117143 for this run)
    double epsPld = pld.epsilon(1e-5); // 6.77: tighter, and still an upper bound
    double delta = pld.delta(8.0); // the delta at a given epsilon

    // the smallest noise multiplier for (8, 1e-5) over the same run (rounded up, within 1e-3)
    double sigma = NoiseCalibration.noiseMultiplier(RdpAccountant::new, 8, 1e-5, 0.04, 2250);
    // 1.416 (Opacus's test expects 1.4253 from its coarser search, which gives epsilon 7.92)

    assertThat(epsRdp).isCloseTo(7.329, within(5e-4));
    assertThat(epsPld).isCloseTo(6.77, within(5e-3));
    assertThat(delta).isLessThan(1e-5);
    assertThat(sigma).isCloseTo(1.416, within(1e-3));
  }

  @Test
  void calibration() {
    double rdpSigma = NoiseCalibration.noiseMultiplier(RdpAccountant::new, 3, 1e-5, 0.01, 1000);
    double pldSigma =
        NoiseCalibration.noiseMultiplier(() -> new PldAccountant(1e-3), 3, 1e-5, 0.01, 1000);
    // pldSigma < rdpSigma: the tighter accountant buys the same guarantee with less noise

    assertThat(pldSigma).isLessThan(rdpSigma);
  }

  @Test
  void statedFigures() {
    // "0.27 against 0.30 for 1000 steps at q = 0.01, sigma = 4"
    assertThat(new PldAccountant().step(4, 0.01, 1000).epsilon(1e-5)).isCloseTo(0.27, within(5e-3));
    assertThat(new RdpAccountant().step(4, 0.01, 1000).epsilon(1e-5)).isCloseTo(0.30, within(5e-3));
    // "3e-7 above for one step at sigma = 4.53" (the exact epsilon at delta 1e-6 is 0.92739)
    double exact = References.gaussianEpsilon(4.530877117, 1, 1e-6);
    assertThat(new PldAccountant().step(4.530877117, 1, 1).epsilon(1e-6) - exact)
        .isBetween(0.0, 3e-7);
  }
}
