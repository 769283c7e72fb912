package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.SpaceDuck;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every command shares: the root's options and context, the caller's key, opening the engine,
 * and output in the two forms (human-readable fields, or one JSON value per line with {@code --json}).
 */
abstract class Base {
  @Spec CommandSpec spec;

  final DuckCommand root() {
    return (DuckCommand) spec.root().userObject();
  }

  final Context ctx() {
    return root().ctx;
  }

  final PrintWriter out() {
    return ctx().out();
  }

  final PrintWriter err() {
    return ctx().err();
  }

  final boolean json() {
    return root().json;
  }

  final Instant now() {
    return ctx().clock().instant();
  }

  /** The caller's key ({@code --key-file} or {@code $SPACEDUCK_KEY}); read before the engine opens. */
  final BeakKey callerKey() {
    return SecretIo.callerKey(ctx(), root().keyFile);
  }

  final SpaceDuck open() {
    return root().open();
  }

  /** One result: JSON on one line, or aligned {@code label  value} lines. */
  final void emit(Json j) {
    if (json()) {
      out().println(j);
      return;
    }
    Map<String, @Nullable Object> fields = j.fields();
    int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0) + 2;
    fields.forEach(
        (k, v) -> {
          String text = human(v);
          if (text != null) {
            out().println(pad(k.replace('_', ' '), width) + text);
          }
        });
  }

  /** A list: a JSON array on one line, or one line per item ({@code empty} when there are none). */
  final <T> void emitList(List<T> items, Function<T, Json> asJson, Function<T, String> asLine, String empty) {
    if (json()) {
      out().println(Json.array(items.stream().map(asJson).toList()));
    } else if (items.isEmpty()) {
      err().println(empty);
    } else {
      items.forEach(i -> out().println(asLine.apply(i)));
    }
  }

  /** A one-line confirmation in human mode; in JSON mode the object. */
  final void done(String line, Json j) {
    if (json()) {
      out().println(j);
    } else {
      out().println(line);
    }
  }

  /**
   * Adds a secret issued this once to {@code j}: written to {@code file} (mode 600) when one is given
   * — the output then names the file — else shown in the output with a reminder on stderr. If the
   * file cannot be written after all, the secret is shown instead of being lost.
   */
  final void secret(Json j, String field, String value, @Nullable Path file, String what) {
    if (file != null) {
      if (SecretIo.writeSecret(ctx(), file, value)) {
        j.put(field + "_file", ctx().resolve(file.toString()).toString());
        return;
      }
      err().println("duck: could not write " + file + "; the " + what + " is shown below instead");
    }
    j.put(field, value);
    if (!json()) {
      err().println("duck: the " + what + " above is shown once and never again: keep it safe now");
    }
  }

  private static String pad(String s, int width) {
    StringBuilder sb = new StringBuilder(s);
    while (sb.length() < width) {
      sb.append(' ');
    }
    return sb.toString();
  }

  /** A field value for humans; null to leave the field out. */
  static @Nullable String human(@Nullable Object v) {
    if (v instanceof Optional<?> o) {
      v = o.orElse(null);
    }
    if (v == null) {
      return null;
    }
    if (v instanceof Collection<?> c) {
      return c.isEmpty() ? "-" : c.stream().map(Base::human).collect(Collectors.joining(", "));
    }
    if (v instanceof Map<?, ?> m) {
      return m.isEmpty() ? "-" : m.entrySet().stream().map(e -> e.getKey() + "=" + human(e.getValue())).collect(Collectors.joining(" "));
    }
    if (v instanceof Json j) {
      return human(j.fields());
    }
    if (v instanceof Duration d) {
      return Durations.human(d);
    }
    if (v instanceof Instant i) {
      return Render.time(i);
    }
    return v.toString();
  }
}
