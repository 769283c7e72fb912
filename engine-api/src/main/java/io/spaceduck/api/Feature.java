package io.spaceduck.api;

/** Feature flags a host switches on in the builder. All are off by default. */
public enum Feature {
  /**
   * T3 standing autonomy (SPEC §1). While off, no T3 certificate can be issued and any attempt is
   * refused (I7).
   */
  T3_AUTOMATION
}
