package io.spaceduck.api;

import java.time.Instant;
import java.util.List;

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

  /**
   * C2: makes a previously added signing key the primary; older keys keep verifying.
   *
   * @throws Forbidden if the key is retiring
   * @throws NotFound if no signing key has this kid
   */
  void promoteSigningKey(BeakKey caller, String kid);

  /** C2 (admin): the signing keys, the primary first, with their lifecycle state. */
  List<SigningKey> signingKeys(BeakKey caller);

  /**
   * C2 (admin): retires a signing key that is not the primary. It is removed from the keyset — from
   * the public JWK set and from every verifier of this engine — at once when no current certificate
   * of a live subject (not deleted; an agent with an active bond) is signed by it, or when {@code
   * notAfter} is not after now. Otherwise it stays published until {@code notAfter} and is left out
   * from then on (by the engine clock), whatever it still signs: re-issue those certificates first
   * ({@link #reissueCertificates}) and call this again to remove it sooner. Certificates and session
   * tokens signed by a retired key no longer verify, offline or online; the certificates stay stored
   * and retrievable (C3). Audited ({@code signing_key.retired}, with the count of current
   * certificates and the date). Finding those certificates reads the whole audit log: an occasional
   * operation.
   *
   * @return the key's state after the call ({@link SigningKey.State#RETIRING} or, once removed, {@link
   *     SigningKey.State#RETIRED} dated now)
   * @throws Forbidden for the primary key (promote another first) or a caller who may not manage keys
   * @throws NotFound if no signing key has this kid
   */
  SigningKey retireSigningKey(BeakKey caller, String kid, Instant notAfter);

  /**
   * C2, C3 (admin): re-issues, under the primary key, every current certificate of a live subject
   * that {@code kid} signed: each new certificate has the same subject, name and tier and supersedes
   * the old one, in its own audited unit ({@code certificate.reissued}). A T3 certificate is not
   * re-issued while {@link Feature#T3_AUTOMATION} is off (I7).
   *
   * @return how many certificates were re-issued
   */
  int reissueCertificates(BeakKey caller, String kid);
}
