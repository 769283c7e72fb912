package io.spaceduck.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The Peck Protocol (P1–P7): agent-to-agent connections without sharing keys. Transitions are
 * compare-and-set: of two racing transitions exactly one wins and exactly one is audited. Notifiers
 * ({@link io.spaceduck.api.PeckNotifier}) hear of each transition after it commits.
 */
public interface Pecks {
  /**
   * P1, P2, P6: an agent of tier ≥ T1 asks to connect to the agent holding {@code request.targetCert()}.
   * Refused unless both agents are active, their tiers allowed, neither blocked (platform-wide or on
   * the target operator's list) and the certificate current.
   */
  Peck request(BeakKey caller, PeckRequest request);

  /** P3: requests waiting for the calling agent, oldest first; page with the last id seen. */
  List<Peck> inbox(BeakKey caller, Optional<PeckId> after, int limit);

  /** P3: the target agent accepts; with a matching T3 standing rule the peck is approved at once. */
  Peck accept(BeakKey caller, PeckId peck);

  /** P3: the target agent declines. */
  Peck decline(BeakKey caller, PeckId peck, ReasonCode reason);

  /** P4: accepted pecks waiting for the calling operator's decision, oldest first. */
  List<Peck> pendingApprovals(BeakKey caller, Optional<PeckId> after, int limit);

  /**
   * P5, B3: the ACTIVE pecks the caller is a side of whose session has not ended at the engine's
   * clock, oldest first (ids are time-ordered); page with the last id seen. For an agent, the pecks
   * it requested or is the target of; for a duckling (an operator), the pecks where one of the agents
   * it bonded is the requester or the target — its own bonds only, an admin included (B3: a listing of
   * one's own governance; {@link #get} still reads any peck for an admin). Needs {@link
   * Permission#READ_SELF}, like {@link #get} and {@code bonds().list}: it reveals nothing {@code get}
   * would not show the same caller, and an operator below T2 still sees (and may close) its agents'
   * pecks. A session that ended is not listed even before {@link #expireDue} marks it expired.
   *
   * @param limit 1 to 100
   * @throws Unauthenticated for a key that does not authenticate
   * @throws InvalidInput for a limit out of range
   */
  List<Peck> active(BeakKey caller, Optional<PeckId> after, int limit);

  /** P4: a T2 operator governing the target approves — never the requesting side, never an agent. */
  Peck approve(BeakKey caller, PeckId peck);

  /** P4: a T2 operator governing the target rejects. */
  Peck reject(BeakKey caller, PeckId peck, ReasonCode reason);

  /** Either side (an involved agent or its operator) closes a pending or active peck. */
  Peck close(BeakKey caller, PeckId peck, ReasonCode reason);

  /** A peck the caller is involved in (as agent or operator of either side, or admin). */
  Peck get(BeakKey caller, PeckId peck);

  /** P5: a session token for the calling agent of an active peck. Never stored. */
  IssuedSession session(BeakKey caller, PeckId peck);

  /**
   * P5: verifies a session token: signature (by a signing key still published), type ({@code
   * sd-peck+jwt}: a certificate never passes), expiry, that its audience is its peer, and that the
   * peck is still active and both bonds and identities live — failing on the very next call after a
   * close or revocation. A relying agent should prefer {@link #verifySession(SessionToken, AgentId)},
   * which also proves the token was meant for it.
   *
   * @throws Unauthenticated for any invalid, expired, foreign or no longer valid token
   */
  Session verifySession(SessionToken token);

  /**
   * P5: as {@link #verifySession(SessionToken)}, and the token's audience ({@code aud}, RFC 8707
   * style: the agent the holder presents it to) must be {@code audience} — the verifying agent
   * itself. A token shown to any other agent than its peer fails.
   *
   * @throws Unauthenticated for any invalid, expired, foreign, misdirected or no longer valid token
   */
  Session verifySession(SessionToken token, AgentId audience);

  /** P7: expires requests past their lifetime (audited, actor {@code system}); returns how many. */
  int expireDue();

  /** P4 (T3): a standing approval rule for a T3 agent the caller governs. */
  StandingRule addStandingRule(BeakKey caller, AgentId target, Set<String> scope, Duration maxDuration);

  /** Deactivates a standing rule. */
  StandingRule removeStandingRule(BeakKey caller, RuleId rule);
}
