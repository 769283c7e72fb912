package io.spaceduck.benchmarks.scale;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} pairs of the scale tools' command lines. */
final class Args {
  private Args() {}

  static Map<String, String> parse(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < args.length; i += 2) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
      }
      m.put(args[i].substring(2), args[i + 1]);
    }
    return m;
  }
}
