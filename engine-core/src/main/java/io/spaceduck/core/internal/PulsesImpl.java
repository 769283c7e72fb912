package io.spaceduck.core.internal;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Permission;
import io.spaceduck.api.Principal;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.Pulses;
import io.spaceduck.api.StaleAgent;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Pulses (U1–U3). A pulse is authenticated and rate-limited like every call, but it is not a unit and
 * not audited: it goes straight to {@code Storage.recordPulse}, which a store may batch. History
 * expiry is an engine-driven sweep (never the store's own TTL machinery), run at most once per hour of
 * engine-clock time from the pulse path, or on demand.
 */
final class PulsesImpl implements Pulses {
  static final int MAX_HISTORY = 1000;
  static final Duration SWEEP_EVERY = Duration.ofHours(1);
  static final Duration MAX_STALE_THRESHOLD = Duration.ofDays(3650);
  private final Core core;
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PulsesImpl.class);
  private final AtomicReference<Instant> lastSweep = new AtomicReference<>(Instant.MIN);

  PulsesImpl(Core core) {
    this.core = core;
  }

  /**
   * A status: stripped, 1–256 characters, no control, format, unassigned or private-use ones, and
   * nothing shaped like a key, code or token ({@link SecretShapes}): a status is stored for 90 days
   * and shown to the operator and admins, so it must never carry a secret (I8).
   */
  static String status(String raw) {
    Objects.requireNonNull(raw, "status");
    if (raw.length() > 4 * MAX_STATUS) {
      throw new InvalidInput("status", "at most " + MAX_STATUS + " characters");
    }
    String s = raw.strip();
    int n = s.codePointCount(0, s.length());
    if (n < 1 || n > MAX_STATUS) {
      throw new InvalidInput("status", "1 to " + MAX_STATUS + " characters");
    }
    boolean visible = false;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      int t = Character.getType(cp);
      visible |= !Character.isWhitespace(cp) && !Character.isSpaceChar(cp);
      if (t == Character.CONTROL || t == Character.FORMAT || t == Character.SURROGATE || t == Character.PRIVATE_USE
          || t == Character.UNASSIGNED || t == Character.LINE_SEPARATOR || t == Character.PARAGRAPH_SEPARATOR) {
        throw new InvalidInput("status", "contains a control, format or unassigned character");
      }
      i += Character.charCount(cp);
    }
    if (!visible) {
      throw new InvalidInput("status", "must contain a visible character");
    }
    if (SecretShapes.containsSecret(s)) {
      throw new InvalidInput("status", "must not contain anything shaped like a key, code or token");
    }
    return s;
  }

  @Override
  public Pulse pulse(BeakKey caller, String status) {
    Objects.requireNonNull(status, "status");
    Pulse p =
        core.governance.read(
            caller,
            Permission.PULSE,
            a -> {
              Principal me = a.principal();
              Pulse pulse = new Pulse((AgentId) me.id(), me.operator().orElseThrow(), core.now(), status(status));
              core.storage.recordPulse(pulse);
              return pulse;
            });
    maybeSweep(p.at());
    return p;
  }

  private void maybeSweep(Instant now) {
    Instant last = lastSweep.get();
    if ((last == Instant.MIN || !now.isBefore(last.plus(SWEEP_EVERY))) && lastSweep.compareAndSet(last, now)) {
      try {
        sweepExpired();
      } catch (RuntimeException e) {
        // the pulse is recorded; a failed housekeeping sweep must not fail it (the next one retries)
        lastSweep.compareAndSet(now, last);
        log.warn("pulse history sweep failed: {}", e.getClass().getSimpleName());
      }
    }
  }

  /** The agent, if the caller may read its pulses: itself, its operator, or an admin. */
  private Agent readable(Authenticator.Auth a, AgentId agent) {
    Principal me = a.principal();
    Identity i =
        core.storage.get(Tables.IDENTITIES, agent.value()).map(Versioned::value).orElseThrow(() -> new NotFound("no such agent"));
    if (!(i instanceof Agent ag)) {
      throw new NotFound("no such agent");
    }
    if (me.id().equals(agent)) {
      return ag;
    }
    if (!core.policy.allows(Permission.READ_PULSES, me)) {
      throw new Forbidden("not permitted by policy");
    }
    if (!me.isAdmin() && !ag.operator().equals(me.id())) {
      throw new Forbidden("not governed by the caller");
    }
    return ag;
  }

  @Override
  public Optional<Pulse> latest(BeakKey caller, AgentId agent) {
    Objects.requireNonNull(agent, "agent");
    return core.governance.read(caller, Permission.READ_SELF, a -> core.storage.latestPulse(readable(a, agent).id()));
  }

  @Override
  public List<Pulse> history(BeakKey caller, AgentId agent, int limit) {
    Objects.requireNonNull(agent, "agent");
    if (limit < 1 || limit > MAX_HISTORY) {
      throw new InvalidInput("limit", "1 to " + MAX_HISTORY);
    }
    return core.governance.read(caller, Permission.READ_SELF, a -> {
      Instant cutoff = core.now().minus(core.config.pulseTtl());
      return core.storage.pulseHistory(readable(a, agent).id(), limit).stream()
          .filter(p -> !p.at().isBefore(cutoff))
          .toList();
    });
  }

  @Override
  public List<StaleAgent> stale(BeakKey caller) {
    return stale(caller, core.config.staleThreshold());
  }

  @Override
  public List<StaleAgent> stale(BeakKey caller, Duration threshold) {
    Objects.requireNonNull(threshold, "threshold");
    // bounded so that now − threshold never leaves the Instant range (a raw DateTimeException)
    if (threshold.isNegative() || threshold.isZero() || threshold.compareTo(MAX_STALE_THRESHOLD) > 0) {
      throw new InvalidInput("threshold", "positive, at most 3650 days");
    }
    return core.governance.read(
        caller,
        Permission.READ_PULSES,
        a -> {
          Instant cutoff = core.now().minus(threshold);
          DucklingId operator = (DucklingId) a.principal().id();
          List<StaleAgent> out = new ArrayList<>();
          for (Versioned<Identity> row : core.storage.findBy(Tables.IDENTITIES_BY_OPERATOR, operator.value())) {
            if (!(row.value() instanceof Agent ag) || ag.status() != IdentityStatus.ACTIVE) {
              continue;
            }
            boolean bonded =
                core.storage.get(Tables.BONDS, ag.bond().value()).map(b -> b.value().status() == BondStatus.ACTIVE).orElse(false);
            if (!bonded) {
              continue;
            }
            Optional<Pulse> last = core.storage.latestPulse(ag.id());
            if (last.isEmpty() || last.get().at().isBefore(cutoff)) {
              out.add(new StaleAgent(ag.id(), ag.bond(), last));
            }
          }
          return out;
        });
  }

  @Override
  public int sweepExpired() {
    Instant cutoff = core.now().minus(core.config.pulseTtl());
    return core.failClosed.guard(() -> core.storage.deletePulsesBefore(cutoff));
  }
}
