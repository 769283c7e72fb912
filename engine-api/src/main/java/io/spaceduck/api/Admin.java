package io.spaceduck.api;

/** Platform administration. */
public interface Admin {
  /**
   * Creates the first admin (a T2 duckling with {@link Role#ADMIN}) on an empty store: duckling,
   * contact, certificate, key and audit event in one unit. Refuses on any store that has been
   * bootstrapped already, also when two engines race.
   *
   * @throws Rejected if the store is already bootstrapped
   * @throws InvalidInput on a malformed name or email
   */
  HatchResult bootstrap(String displayName, Email email);

  /**
   * C2: adds a new signing key to the keyset, not yet primary, and publishes it in the JWK set so
   * verifiers learn it before it signs.
   *
   * @return the new key's {@code kid}
   */
  String addSigningKey(BeakKey caller);

  /** C2: makes a previously added signing key the primary; older keys keep verifying. */
  void promoteSigningKey(BeakKey caller, String kid);
}
