package io.spaceduck.api;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One link of the audit chain (A1). {@code hash} is SHA-256 over a canonical, versioned encoding of
 * every other field, including {@code seq} and {@code prevHash}; {@code docs/audit-format.md} gives
 * the exact bytes so that a third party can re-implement verification.
 *
 * @param seq position in the chain, from 1, gapless (A5)
 * @param action the action code (see {@link AuditAction#code()})
 * @param actor the acting identity's id, or {@code "system"}
 * @param resource the affected resource's id
 * @param scope the operator whose governance the event concerns, for A4 visibility
 * @param timestamp when, at millisecond precision
 * @param engineVersion the engine version that wrote the event
 * @param reason the reason code
 * @param outcome success or denied
 * @param details non-secret details; keys match {@code [a-z0-9_.]{1,64}}, values ≤ 1024 chars
 * @param prevHash the previous event's hash ({@link Hash#ZERO} for seq 1)
 * @param hash this event's hash
 */
public record AuditEvent(
    long seq,
    String action,
    String actor,
    String resource,
    Optional<String> scope,
    Instant timestamp,
    String engineVersion,
    ReasonCode reason,
    AuditOutcome outcome,
    SortedMap<String, String> details,
    Hash prevHash,
    Hash hash) {
  private static final Pattern DETAIL_KEY = Pattern.compile("[a-z0-9_.]{1,64}");

  /** Actor of events the engine writes on its own. */
  public static final String SYSTEM_ACTOR = "system";

  public AuditEvent {
    if (seq < 1) {
      throw new IllegalArgumentException("seq starts at 1");
    }
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(resource, "resource");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(engineVersion, "engineVersion");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(outcome, "outcome");
    details = copyDetails(details);
    Objects.requireNonNull(prevHash, "prevHash");
    Objects.requireNonNull(hash, "hash");
  }

  /** Validates and copies event details into an unmodifiable sorted map. */
  public static SortedMap<String, String> copyDetails(Map<String, String> details) {
    TreeMap<String, String> copy = new TreeMap<>();
    details.forEach(
        (k, v) -> {
          if (!DETAIL_KEY.matcher(k).matches()) {
            throw new IllegalArgumentException("audit detail keys match [a-z0-9_.]{1,64}");
          }
          if (v.length() > 1024) {
            throw new IllegalArgumentException("audit detail values are at most 1024 chars");
          }
          copy.put(k, v);
        });
    return Collections.unmodifiableSortedMap(copy);
  }

  /** The head this event makes of the chain. */
  public AuditHead head() {
    return new AuditHead(seq, hash);
  }
}
