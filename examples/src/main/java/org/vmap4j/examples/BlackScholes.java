package org.vmap4j.examples;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.vmap4j.Tensor;

/**
 * The Black–Scholes price of a European call on a stock without dividends, for one option, and its
 * closed-form Greeks as the independent reference.
 *
 * <p>An option is the vector {@code [spot, strike, volatility, rate, time]} (time to expiry in
 * years, rate continuously compounded, volatility annual). The Jacobian of {@link #price} with
 * respect to it is {@code [delta, dC/dK, vega, rho, dC/dT]}; theta, the change of the price as
 * calendar time passes, is {@code -dC/dT} because time to expiry shrinks as time passes.
 */
final class BlackScholes {
  private BlackScholes() {}

  static final int SPOT = 0;
  static final int STRIKE = 1;
  static final int VOLATILITY = 2;
  static final int RATE = 3;
  static final int TIME = 4;

  /** The call price of one option, written with core's tensor operations. */
  static Tensor price(Tensor option) {
    Tensor spot = option.index(0, SPOT);
    Tensor strike = option.index(0, STRIKE);
    Tensor vol = option.index(0, VOLATILITY);
    Tensor rate = option.index(0, RATE);
    Tensor time = option.index(0, TIME);
    Tensor volSqrtTime = vol.mul(time.sqrt());
    Tensor d1 =
        spot.div(strike).log().add(rate.add(vol.square().mul(0.5)).mul(time)).div(volSqrtTime);
    Tensor d2 = d1.sub(volSqrtTime);
    Tensor discountedStrike = strike.mul(rate.mul(time).neg().exp());
    return spot.mul(NormalCdf.of(d1)).sub(discountedStrike.mul(NormalCdf.of(d2)));
  }

  /** Price and Greeks from the textbook formulas, in plain doubles. */
  record ClosedForm(
      double price, double delta, double dualDelta, double vega, double rho, double theta) {

    private static final NormalDistribution STANDARD = new NormalDistribution(0, 1);

    static ClosedForm of(double spot, double strike, double vol, double rate, double time) {
      double sqrtT = Math.sqrt(time);
      double d1 = (Math.log(spot / strike) + (rate + vol * vol / 2) * time) / (vol * sqrtT);
      double d2 = d1 - vol * sqrtT;
      double nd1 = STANDARD.cumulativeProbability(d1);
      double nd2 = STANDARD.cumulativeProbability(d2);
      double pdf1 = STANDARD.density(d1);
      double discount = Math.exp(-rate * time);
      return new ClosedForm(
          spot * nd1 - strike * discount * nd2,
          nd1,
          -discount * nd2,
          spot * pdf1 * sqrtT,
          strike * time * discount * nd2,
          -spot * pdf1 * vol / (2 * sqrtT) - rate * strike * discount * nd2);
    }

    /** The value named as in {@link BlackScholesGreeks#COLUMNS}. */
    double get(String name) {
      return switch (name) {
        case "price" -> price;
        case "delta" -> delta;
        case "dual_delta" -> dualDelta;
        case "vega" -> vega;
        case "rho" -> rho;
        case "theta" -> theta;
        default -> throw new IllegalArgumentException("no closed form for '" + name + "'");
      };
    }
  }
}
