package io.spaceduck.cli;

import java.time.Duration;

/** Short human forms of durations: {@code 1h30m}, {@code 15m}, {@code 45s}. */
final class Durations {
  private Durations() {}

  static String human(Duration d) {
    if (d.isZero()) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    if (d.isNegative()) {
      sb.append('-');
      d = d.negated();
    }
    long days = d.toDays();
    int h = d.toHoursPart();
    int m = d.toMinutesPart();
    int s = d.toSecondsPart();
    int ms = d.toMillisPart();
    if (days > 0) {
      sb.append(days).append('d');
    }
    if (h > 0) {
      sb.append(h).append('h');
    }
    if (m > 0) {
      sb.append(m).append('m');
    }
    if (s > 0) {
      sb.append(s).append('s');
    }
    if (ms > 0 && days == 0 && h == 0) {
      sb.append(ms).append("ms");
    }
    return sb.toString();
  }
}
