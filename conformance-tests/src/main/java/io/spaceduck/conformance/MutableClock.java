package io.spaceduck.conformance;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A clock that tests move by hand, never by waiting: the engine's clock in the engine contract, and
 * the one clock of the engine's and the CLI's own tests. It stays where it is set until {@link
 * #advance} or {@link #set} moves it; every reader (every engine or command it is given to) sees the
 * same instant. Always UTC: {@link #withZone} returns this clock.
 *
 * <p>Thread-safe.
 */
public final class MutableClock extends Clock {
  private final AtomicReference<Instant> now;

  /** A clock standing at {@code start}. */
  public MutableClock(Instant start) {
    this.now = new AtomicReference<>(Objects.requireNonNull(start, "start"));
  }

  /** Moves the clock by {@code d} (backwards if negative). */
  public void advance(Duration d) {
    Objects.requireNonNull(d, "d");
    now.updateAndGet(i -> i.plus(d));
  }

  /** Puts the clock at {@code instant}, earlier or later. */
  public void set(Instant instant) {
    now.set(Objects.requireNonNull(instant, "instant"));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
