package io.spaceduck.api;

/**
 * Hatching: how a person becomes a T1 duckling (H1–H5). Both steps are anonymous; every refusal is
 * the same {@link Rejected} (or a {@link RateLimited} for the source), so nothing is revealed.
 */
public interface Hatching {
  /**
   * H1, H2: verifies the human challenge first, then stores a pending hatch (a hash of a fresh code,
   * an expiry, an attempt counter) and hands the code to the delivery SPI.
   *
   * @throws Rejected on a failed challenge or a failed delivery
   * @throws InvalidInput on a malformed display name or email
   * @throws RateLimited if the source exceeded its hatch rate (H5)
   */
  HatchTicket start(HatchRequest request);

  /**
   * H3, H4: checks the code in constant time; on success creates, atomically, the T1 duckling, its
   * encrypted contact record, its birth certificate, its first key and the audit event. The raw key
   * is returned this once.
   *
   * @throws Rejected on an unknown hatch, a wrong or expired code, too many attempts, or an email
   *     that has hatched already
   */
  HatchResult complete(HatchId hatch, VerificationCode code);

  /**
   * H2, D1: deletes every pending hatch that has ended — expired by the engine's clock, or out of
   * attempts — together with its encrypted email, and returns how many. A hatch that ends by its
   * completion or its last failed attempt is deleted in that unit, and one that a completion attempt
   * finds expired in that attempt's unit; a hatch nobody touches again is deleted only by this sweep,
   * which the host schedules (e.g. every few minutes, like {@link Pulses#sweepExpired()} and {@link
   * Pecks#expireDue()}). Needs no caller: it only removes data whose time has passed. Not audited (no
   * governance action; a hatch has no identity yet).
   *
   * @throws Unavailable if the store fails
   */
  int sweepExpired();
}
