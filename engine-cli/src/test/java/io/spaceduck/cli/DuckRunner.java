package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.conformance.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code duck} command lines in-process through picocli, exactly as {@link Main} does, with a
 * captured stdout/stderr, a chosen environment and standard input, and one {@link MutableClock}
 * shared by every run. By default every run uses the MapDB store {@code store.db} and the KEK file
 * {@code kek.json} in the test's directory (through {@code SPACEDUCK_STORE} and
 * {@code SPACEDUCK_KEK_FILE}).
 */
final class DuckRunner {
  static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
  /** A raw Beak Key anywhere in a text. */
  static final Pattern RAW_KEY = Pattern.compile("bk_[a-z2-7]{16}_[a-z2-7]{8,}");
  private static int emails;

  final Path dir;
  final MutableClock clock = new MutableClock(EPOCH);
  final Map<String, String> env = new HashMap<>();

  DuckRunner(Path dir) {
    this.dir = dir;
    env.put("SPACEDUCK_STORE", dir.resolve("store.db").toString());
    env.put("SPACEDUCK_KEK_FILE", dir.resolve("kek.json").toString());
  }

  /** What one run left behind. */
  record Result(int code, String out, String err) {
    /** The run succeeded; otherwise fails with its stderr. */
    Result ok() {
      assertEquals(0, code, () -> "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err);
      return this;
    }

    /** The run exited with {@code expected}, printing one line on stderr (plus hints) and no stack trace. */
    Result fails(int expected) {
      assertEquals(expected, code, () -> "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err);
      assertNoStackTrace();
      assertTrue(err.startsWith("duck: "), () -> "stderr does not start with 'duck: ':\n" + err);
      return this;
    }

    void assertNoStackTrace() {
      assertFalse(err.contains("\tat ") || err.contains("Exception in thread"), () -> "a stack trace on stderr:\n" + err);
    }

    /** The value of the human-readable field {@code label} (e.g. "key id"). */
    String field(String label) {
      for (String line : out.split("\\R")) {
        if (line.startsWith(label + "  ") || line.equals(label)) {
          return line.substring(label.length()).strip();
        }
      }
      throw new AssertionError("no field '" + label + "' in:\n" + out);
    }

    /** The string value of {@code name} in a one-line JSON object on stdout. */
    String json(String name) {
      Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":\"([^\"]*)\"").matcher(out);
      if (!m.find()) {
        throw new AssertionError("no JSON string field '" + name + "' in:\n" + out);
      }
      return m.group(1);
    }

    List<String> lines() {
      return out.lines().toList();
    }
  }

  Result run(String... args) {
    return run(Map.of(), "", args);
  }

  /** Runs with extra environment variables (an empty value removes one) and standard input. */
  Result run(Map<String, String> extraEnv, String stdin, String... args) {
    Map<String, String> e = new HashMap<>(env);
    extraEnv.forEach((k, v) -> {
      if (v.isEmpty()) {
        e.remove(k);
      } else {
        e.put(k, v);
      }
    });
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Context ctx = new Context(e, dir, clock, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintWriter(out, true), new PrintWriter(err, true));
    int code = Cli.execute(ctx, args);
    return new Result(code, out.toString(), err.toString());
  }

  /** Runs as the holder of {@code key} (in {@code SPACEDUCK_KEY}). */
  Result as(String key, String... args) {
    return run(Map.of("SPACEDUCK_KEY", key), "", args);
  }

  /** {@code duck init}; returns the admin key. */
  String init() {
    return run("init", "--email", "admin@example.org", "--json").ok().json("admin_key");
  }

  static synchronized String uniqueEmail() {
    return "duck" + (++emails) + "@example.org";
  }

  /** A hatched T1 duckling: {@code [id, key]}. */
  String[] hatch(String name) {
    Path codeFile = dir.resolve("code-" + System.nanoTime());
    Result start = run("hatch", "start", "--name", name, "--email", uniqueEmail(), "--code-file", codeFile.toString(), "--json").ok();
    String hatchId = start.json("hatch_id");
    Result done = run("hatch", "complete", hatchId, "--code-file", codeFile.toString(), "--json").ok();
    return new String[] {done.json("id"), done.json("key")};
  }

  /** A T2 operator promoted by {@code admin}: {@code [id, key]}. */
  String[] operator(String adminKey, String name) {
    String[] d = hatch(name);
    as(adminKey, "promote", d[0], "--tier", "T2").ok();
    return d;
  }

  /** An agent bonded by {@code operatorKey}: {@code [agent id, key, key id, cert id, bond id]}. */
  String[] bond(String operatorKey, String name, String tier) {
    Result r = as(operatorKey, "bond", name, "--tier", tier, "--json").ok();
    return new String[] {r.json("agent_id"), r.json("key"), r.json("key_id"), r.json("cert_id"), r.json("bond_id")};
  }

  Path write(String name, String content) {
    try {
      return Files.writeString(dir.resolve(name), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
