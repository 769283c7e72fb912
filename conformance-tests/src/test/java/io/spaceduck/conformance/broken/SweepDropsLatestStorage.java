package io.spaceduck.conformance.broken;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.Pulse;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Broken on purpose (U1): the latest pulse is just the newest history row, so the TTL sweep {@code
 * deletePulsesBefore} deletes an agent's latest pulse along with its old history — an agent that
 * went quiet long ago then looks as if it never pulsed, and the stale listing (U2) loses it.
 */
final class SweepDropsLatestStorage extends ForwardingStorage {
  private final ConcurrentHashMap<AgentId, Pulse> latest = new ConcurrentHashMap<>();

  SweepDropsLatestStorage(Storage delegate) {
    super(delegate);
  }

  @Override
  public void recordPulse(Pulse pulse) {
    delegate.recordPulse(pulse);
    latest.merge(pulse.agent(), pulse, (old, fresh) -> fresh.at().isBefore(old.at()) ? old : fresh);
  }

  @Override
  public Optional<Pulse> latestPulse(AgentId agent) {
    return Optional.ofNullable(latest.get(agent));
  }

  @Override
  public int deletePulsesBefore(Instant cutoff) {
    latest.values().removeIf(p -> p.at().isBefore(cutoff));
    return delegate.deletePulsesBefore(cutoff);
  }
}
