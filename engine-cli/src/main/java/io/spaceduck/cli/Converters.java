package io.spaceduck.cli;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.BondId;
import io.spaceduck.api.CertId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.ReasonCode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses command-line values into the engine's typed values. A malformed value is a usage error
 * (exit 2) whose message says what was expected and never echoes the value (it might be a secret
 * pasted into the wrong place).
 */
final class Converters {
  private Converters() {}

  private static TypeConversionException bad(String expected) {
    return new TypeConversionException("expected " + expected);
  }

  /**
   * A file name ({@code -} for standard input where the option allows it). A value shaped like a
   * secret — a Beak Key, a token, a code, an email — is refused without being echoed: it was pasted
   * where a file name belongs, and a message naming "the file" would print it (D2).
   */
  static final class FileName implements ITypeConverter<String> {
    @Override
    public String convert(String v) {
      if (Redaction.secretShaped(v)) {
        throw bad("a file name, not a key, token, code or email (never put a secret on the command line:"
            + " write it to a file, or use - for standard input or " + SecretIo.KEY_ENV + ")");
      }
      if (v.isEmpty() || v.indexOf('\0') >= 0) {
        throw bad("a file name");
      }
      return v;
    }
  }

  /** As {@link FileName}, for options that take a {@link Path}. */
  static final class FilePath implements ITypeConverter<Path> {
    @Override
    public Path convert(String v) {
      String name = new FileName().convert(v);
      try {
        return Path.of(name);
      } catch (InvalidPathException e) {
        throw bad("a file name");
      }
    }
  }

  /**
   * A store: a MapDB file path or a store URI. Refuses a value shaped like a secret (pasted in the
   * wrong place) without echoing it — except a {@code jdbc:} URL, which may carry {@code user@host}
   * and a password: duck shows a JDBC store only with its credentials cut off
   * ({@link StoreChoice#describe}) and never echoes the URL in an error ({@link Redaction#scrub}).
   */
  static final class Store implements ITypeConverter<String> {
    @Override
    public String convert(String v) {
      if (!v.toLowerCase(Locale.ROOT).startsWith("jdbc:") && Redaction.secretShaped(v)) {
        throw bad("a store file or URI, not a key, token, code or email (never put a secret on the command line)");
      }
      return v;
    }
  }

  /**
   * Free text that duck or the engine shows again later (a name, a status, a scope, a filter): a
   * value shaped like a key, token, code or email is refused, unechoed — it was pasted in the wrong
   * place, and accepting it would store and print a secret.
   */
  static final class Text implements ITypeConverter<String> {
    @Override
    public String convert(String v) {
      if (Redaction.secretShaped(v)) {
        throw bad("text that is not a key, token, code or email (never put a secret on the command line)");
      }
      return v;
    }
  }

  /** An email address (stored encrypted, never shown): refuses a key, token or code pasted here. */
  static final class EmailText implements ITypeConverter<String> {
    @Override
    public String convert(String v) {
      if (Redaction.secretShaped(v.replace('@', ' '))) {
        throw bad("an email address, not a key, token or code (never put a secret on the command line)");
      }
      return v;
    }
  }

  static final class Duckling implements ITypeConverter<DucklingId> {
    @Override
    public DucklingId convert(String v) {
      if (!DucklingId.isValid(v)) {
        throw bad("a duckling id (dk_…)");
      }
      return new DucklingId(v);
    }
  }

  static final class Agent implements ITypeConverter<AgentId> {
    @Override
    public AgentId convert(String v) {
      if (!AgentId.isValid(v)) {
        throw bad("an agent id (ag_…)");
      }
      return new AgentId(v);
    }
  }

  static final class Identity implements ITypeConverter<IdentityId> {
    @Override
    public IdentityId convert(String v) {
      return IdentityId.parse(v).orElseThrow(() -> bad("a duckling or agent id (dk_… or ag_…)"));
    }
  }

  static final class Key implements ITypeConverter<KeyId> {
    @Override
    public KeyId convert(String v) {
      if (!KeyId.isValid(v)) {
        throw bad("a key id (16 characters a-z, 2-7; the part after bk_ of a key)");
      }
      return new KeyId(v);
    }
  }

  static final class Cert implements ITypeConverter<CertId> {
    @Override
    public CertId convert(String v) {
      if (!CertId.isValid(v)) {
        throw bad("a certificate id (ct_…)");
      }
      return new CertId(v);
    }
  }

  static final class Bond implements ITypeConverter<BondId> {
    @Override
    public BondId convert(String v) {
      if (!BondId.isValid(v)) {
        throw bad("a bond id (bd_…)");
      }
      return new BondId(v);
    }
  }

  static final class Peck implements ITypeConverter<PeckId> {
    @Override
    public PeckId convert(String v) {
      if (!PeckId.isValid(v)) {
        throw bad("a peck id (pk_…)");
      }
      return new PeckId(v);
    }
  }

  static final class Hatch implements ITypeConverter<HatchId> {
    @Override
    public HatchId convert(String v) {
      if (!HatchId.isValid(v)) {
        throw bad("a hatch id (ht_…)");
      }
      return new HatchId(v);
    }
  }

  static final class Reason implements ITypeConverter<ReasonCode> {
    @Override
    public ReasonCode convert(String v) {
      try {
        return ReasonCode.of(v);
      } catch (IllegalArgumentException e) {
        throw bad("a reason code: 1 to 40 characters of a-z, 0-9 and _");
      }
    }
  }

  static final class Head implements ITypeConverter<AuditHead> {
    @Override
    public AuditHead convert(String v) {
      try {
        return AuditHead.parse(v.strip());
      } catch (RuntimeException e) {
        throw bad("an audit head <seq>:<64 hex digits>, as printed by audit verify");
      }
    }
  }

  /** {@code 90s}, {@code 5m}, {@code 1h}, {@code 2d}, combinations such as {@code 1h30m}, or ISO-8601 {@code PT5M}. */
  static final class Span implements ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    @Override
    public Duration convert(String v) {
      return parse(v);
    }

    static Duration parse(String v) {
      String s = v.strip().toLowerCase(Locale.ROOT);
      if (s.startsWith("p")) {
        try {
          return Duration.parse(s.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
          throw bad("a duration such as 90s, 5m, 1h30m, 2d or PT5M");
        }
      }
      Matcher m = PART.matcher(s);
      Duration d = Duration.ZERO;
      int at = 0;
      while (m.find() && m.start() == at) {
        long n = Long.parseLong(m.group(1));
        d = d.plus(switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        });
        at = m.end();
      }
      if (at == 0 || at != s.length()) {
        throw bad("a duration such as 90s, 5m, 1h30m, 2d or PT5M");
      }
      return d;
    }
  }
}
