/** vmap4j's privacy accountants (RDP, PLD) and noise calibration; plain Java, no tensors. */
module org.vmap4j.privacy {
  exports org.vmap4j.privacy;
}
