package org.vmap4j.spark.dp;

import org.vmap4j.privacy.PldAccountant;
import org.vmap4j.privacy.PrivacyAccountant;
import org.vmap4j.privacy.RdpAccountant;

/** Which accountant tracks a {@link DpSgd} run. */
public enum Accounting {
  /** Rényi DP ({@link RdpAccountant}, Opacus's orders): fast, looser by about 10%. */
  RDP,
  /** Privacy loss distributions ({@link PldAccountant}): tighter, slower per step. */
  PLD;

  PrivacyAccountant newAccountant() {
    return this == RDP ? new RdpAccountant() : new PldAccountant();
  }
}
