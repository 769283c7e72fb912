package io.spaceduck.cli;

import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a run of {@code duck} sees of the world: environment, working directory, clock, standard
 * streams. {@link #system()} is the real one; tests build their own so that every command runs
 * in-process with captured output and an injected clock.
 *
 * @param env environment variables
 * @param cwd the directory relative store and file paths resolve against
 * @param clock the engine's clock
 * @param in standard input (codes, keys and tokens piped in)
 * @param out standard output: results
 * @param err standard error: warnings, progress, refusals
 */
record Context(Map<String, String> env, Path cwd, Clock clock, InputStream in, PrintWriter out, PrintWriter err) {
  Context {
    env = Map.copyOf(env);
    Objects.requireNonNull(cwd, "cwd");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
  }

  /** The process's own environment, working directory, UTC system clock and standard streams. */
  static Context system() {
    return new Context(
        System.getenv(),
        Path.of("").toAbsolutePath(),
        Clock.systemUTC(),
        System.in,
        new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
        new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
  }

  /** A non-blank environment variable, or null. */
  @Nullable String getenv(String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v;
  }

  /** {@code path} resolved against {@link #cwd()}. */
  Path resolve(String path) {
    return cwd.resolve(path).toAbsolutePath().normalize();
  }
}
