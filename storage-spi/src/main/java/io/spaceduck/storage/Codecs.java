package io.spaceduck.storage;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Block;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondId;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.RuleId;
import io.spaceduck.api.StandingRule;
import io.spaceduck.api.Revocation;
import io.spaceduck.api.Role;
import io.spaceduck.api.Tier;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Binary codecs of the stored records. Each encoding starts with a format byte (1; 2 for a pending
 * hatch, which gained its email's blind index) so that later engines can read older records. Strings
 * are UTF-8 with a length prefix, instants are epoch seconds plus nanos, optionals a presence byte.
 * Encoding refuses a string with an unpaired surrogate
 * ({@link IllegalArgumentException}) rather than store a replacement character; decoding refuses
 * malformed UTF-8 like any other corruption ({@link StorageException}). Decoding accepts only what
 * encoding writes, so that one stored form is one record: a boolean or presence byte other than 0 or
 * 1, a nanosecond field outside 0 … 999,999,999 and a scope whose entries are not strictly ascending
 * are corruption too (each would otherwise decode to a record that encodes to other bytes; found by
 * fuzzing, docs/fuzzing.md). Thread-safe.
 */
public final class Codecs {
  private Codecs() {}

  static final byte V1 = 1;

  /** Writes one record. */
  interface Writer<V> {
    void write(Out out, V value) throws IOException;
  }

  /** Reads one record. */
  interface Reader<V> {
    V read(In in) throws IOException;
  }

  static <V> RecordCodec<V> codec(String name, Writer<V> w, Reader<V> r) {
    return versioned(name, V1, w, java.util.Map.of(V1, r));
  }

  /**
   * A codec that writes format {@code current} and reads every format in {@code readers} — for a
   * record whose layout changed, so that rows written by older engines stay readable.
   */
  static <V> RecordCodec<V> versioned(String name, byte current, Writer<V> w, java.util.Map<Byte, Reader<V>> readers) {
    if (!readers.containsKey(current)) {
      throw new IllegalArgumentException("no reader for the current format of " + name);
    }
    return new RecordCodec<>() {
      @Override
      public byte[] encode(V value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
        Out out = new Out(new DataOutputStream(bytes));
        try {
          out.d.writeByte(current);
          w.write(out, value);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
      }

      @Override
      public V decode(byte[] bytes) {
        In in = new In(new DataInputStream(new ByteArrayInputStream(bytes)));
        try {
          byte format = in.d.readByte();
          Reader<V> r = readers.get(format);
          if (r == null) {
            throw new StorageException("unknown " + name + " record format " + format);
          }
          V v = r.read(in);
          if (in.d.available() != 0) {
            throw new StorageException("trailing bytes in " + name + " record");
          }
          return v;
        } catch (IOException | RuntimeException e) {
          if (e instanceof StorageException se) {
            throw se;
          }
          throw new StorageException("corrupt " + name + " record", e);
        }
      }
    };
  }

  /** Output helpers. */
  static final class Out {
    final DataOutputStream d;

    Out(DataOutputStream d) {
      this.d = d;
    }

    void str(String s) throws IOException {
      byte[] b = utf8(s);
      d.writeInt(b.length);
      d.write(b);
    }

    void bytes(Bytes b) throws IOException {
      byte[] a = b.toByteArray();
      d.writeInt(a.length);
      d.write(a);
    }

    void instant(Instant i) throws IOException {
      d.writeLong(i.getEpochSecond());
      d.writeInt(i.getNano());
    }

    <T> void opt(Optional<T> o, Writer<T> w) throws IOException {
      d.writeBoolean(o.isPresent());
      if (o.isPresent()) {
        w.write(this, o.get());
      }
    }

    void revocation(Revocation r) throws IOException {
      str(r.by().value());
      instant(r.at());
      str(r.reason().code());
    }
  }

  /** Input helpers. */
  static final class In {
    final DataInputStream d;

    In(DataInputStream d) {
      this.d = d;
    }

    String str() throws IOException {
      int n = d.readInt();
      if (n < 0 || n > d.available()) {
        throw new IOException("bad string length");
      }
      // strict: malformed UTF-8 is corruption, not a string with replacement characters
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(d.readNBytes(n))).toString();
    }

    Bytes bytes() throws IOException {
      int n = d.readInt();
      if (n < 0 || n > d.available()) {
        throw new IOException("bad byte length");
      }
      return Bytes.wrap(d.readNBytes(n));
    }

    Instant instant() throws IOException {
      return Instant.ofEpochSecond(d.readLong(), nanos());
    }

    /** A nanosecond field as {@link Out} writes it: {@code Instant.getNano} or {@code Duration.getNano}. */
    int nanos() throws IOException {
      int n = d.readInt();
      if (n < 0 || n > 999_999_999) {
        throw new IOException("nanoseconds out of range");
      }
      return n;
    }

    /** A boolean as {@code writeBoolean} writes it: 0 or 1, nothing else. */
    boolean bool() throws IOException {
      byte b = d.readByte();
      if (b != 0 && b != 1) {
        throw new IOException("boolean byte is neither 0 nor 1");
      }
      return b == 1;
    }

    <T> Optional<T> opt(Reader<T> r) throws IOException {
      return bool() ? Optional.of(r.read(this)) : Optional.empty();
    }

    <E extends Enum<E>> E enumOf(Class<E> type) throws IOException {
      return Enum.valueOf(type, str());
    }

    IdentityId identityId() throws IOException {
      String s = str();
      return IdentityId.parse(s).orElseThrow(() -> new IOException("bad identity id"));
    }

    Revocation revocation() throws IOException {
      return new Revocation(identityId(), instant(), ReasonCode.of(str()));
    }
  }

  /**
   * UTF-8 of {@code s}. A string with an unpaired surrogate has no UTF-8 form; {@code getBytes} would
   * silently store '?' instead, so it is refused.
   *
   * @throws IllegalArgumentException if {@code s} is not well-formed UTF-16
   */
  static byte[] utf8(String s) {
    checkWellFormed(s, "text");
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * @throws IllegalArgumentException naming {@code what} if {@code s} has an unpaired surrogate
   */
  static String checkWellFormed(String s, String what) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          throw new IllegalArgumentException(what + " is not well-formed Unicode (unpaired surrogate)");
        }
      }
    }
    return s;
  }

  private static <T> Writer<T> strW(Function<T, String> f) {
    return (o, v) -> o.str(f.apply(v));
  }

  public static final RecordCodec<Identity> IDENTITY =
      codec(
          "identity",
          (o, v) -> {
            if (v instanceof Duckling d) {
              o.d.writeByte('D');
              o.str(d.id().value());
              o.str(d.displayName());
              o.str(d.tier().name());
              o.d.writeBoolean(d.roles().contains(Role.ADMIN));
              o.str(d.status().name());
              o.instant(d.createdAt());
              o.str(d.currentCert().value());
            } else if (v instanceof Agent a) {
              o.d.writeByte('A');
              o.str(a.id().value());
              o.str(a.bond().value());
              o.str(a.operator().value());
              o.str(a.displayName());
              o.str(a.tier().name());
              o.str(a.status().name());
              o.instant(a.createdAt());
              o.str(a.currentCert().value());
            }
          },
          in -> {
            byte kind = in.d.readByte();
            if (kind == 'D') {
              DucklingId id = new DucklingId(in.str());
              String name = in.str();
              Tier tier = in.enumOf(Tier.class);
              Set<Role> roles = in.bool() ? EnumSet.of(Role.ADMIN) : EnumSet.noneOf(Role.class);
              return new Duckling(id, name, tier, roles, in.enumOf(IdentityStatus.class), in.instant(), new CertId(in.str()));
            }
            if (kind == 'A') {
              return new Agent(
                  new AgentId(in.str()),
                  new BondId(in.str()),
                  new DucklingId(in.str()),
                  in.str(),
                  in.enumOf(Tier.class),
                  in.enumOf(IdentityStatus.class),
                  in.instant(),
                  new CertId(in.str()));
            }
            throw new IOException("bad identity kind");
          });

  public static final RecordCodec<ContactRecord> CONTACT =
      codec(
          "contact",
          (o, v) -> {
            o.str(v.duckling().value());
            o.opt(v.blindIndex(), Out::str);
            o.opt(v.encryptedEmail(), Out::bytes);
          },
          in -> new ContactRecord(new DucklingId(in.str()), in.opt(In::str), in.opt(In::bytes)));

  public static final RecordCodec<KeyRecord> KEY =
      codec(
          "key",
          (o, v) -> {
            KeyInfo k = v.info();
            o.str(k.id().value());
            o.str(k.owner().value());
            o.opt(k.bond(), strW(BondId::value));
            o.instant(k.createdAt());
            o.opt(k.graceUntil(), Out::instant);
            o.opt(k.revocation(), Out::revocation);
            o.bytes(v.mac());
          },
          in ->
              new KeyRecord(
                  new KeyInfo(
                      new KeyId(in.str()),
                      in.identityId(),
                      in.opt(i -> new BondId(i.str())),
                      in.instant(),
                      in.opt(In::instant),
                      in.opt(In::revocation)),
                  in.bytes()));

  public static final RecordCodec<Bond> BOND =
      codec(
          "bond",
          (o, v) -> {
            o.str(v.id().value());
            o.str(v.agent().value());
            o.str(v.operator().value());
            o.str(v.agentName());
            o.instant(v.bondedAt());
            o.str(v.status().name());
            o.opt(v.revocation(), Out::revocation);
          },
          in ->
              new Bond(
                  new BondId(in.str()),
                  new AgentId(in.str()),
                  new DucklingId(in.str()),
                  in.str(),
                  in.instant(),
                  in.enumOf(BondStatus.class),
                  in.opt(In::revocation)));

  public static final RecordCodec<BirthCertificate> CERTIFICATE =
      codec(
          "certificate",
          (o, v) -> {
            o.str(v.id().value());
            o.str(v.subject().value());
            o.str(v.displayName());
            o.str(v.tier().name());
            o.instant(v.issuedAt());
            o.str(v.engineVersion());
            o.opt(v.operator(), strW(DucklingId::value));
            o.opt(v.supersedes(), strW(CertId::value));
            o.str(v.jws());
          },
          in ->
              new BirthCertificate(
                  new CertId(in.str()),
                  in.identityId(),
                  in.str(),
                  in.enumOf(Tier.class),
                  in.instant(),
                  in.str(),
                  in.opt(i -> new DucklingId(i.str())),
                  in.opt(i -> new CertId(i.str())),
                  in.str()));

  /**
   * Format 2 (this engine) adds the email's blind index after the encrypted email; format 1 rows
   * (without it) are still read, with an empty blind index.
   */
  public static final RecordCodec<PendingHatch> HATCH =
      versioned(
          "hatch",
          (byte) 2,
          (o, v) -> {
            o.str(v.id().value());
            o.str(v.displayName());
            o.bytes(v.encryptedEmail());
            o.opt(v.emailBlindIndex(), Out::str);
            o.bytes(v.codeMac());
            o.instant(v.createdAt());
            o.instant(v.expiresAt());
            o.d.writeInt(v.failedAttempts());
            o.d.writeBoolean(v.consumed());
          },
          java.util.Map.of(
              V1,
              in ->
                  new PendingHatch(
                      new HatchId(in.str()),
                      in.str(),
                      in.bytes(),
                      Optional.empty(),
                      in.bytes(),
                      in.instant(),
                      in.instant(),
                      in.d.readInt(),
                      in.bool()),
              (byte) 2,
              in ->
                  new PendingHatch(
                      new HatchId(in.str()),
                      in.str(),
                      in.bytes(),
                      in.opt(In::str),
                      in.bytes(),
                      in.instant(),
                      in.instant(),
                      in.d.readInt(),
                      in.bool())));

  public static final RecordCodec<KeysetRecord> KEYSET =
      codec(
          "keyset",
          (o, v) -> {
            o.str(v.name());
            o.bytes(v.encryptedKeyset());
          },
          in -> new KeysetRecord(in.str(), in.bytes()));

  public static final RecordCodec<MetaRecord> META =
      codec(
          "meta",
          (o, v) -> {
            o.str(v.name());
            o.str(v.value());
          },
          in -> new MetaRecord(in.str(), in.str()));

  private static void scope(Out o, java.util.Set<String> scope) throws IOException {
    List<String> sorted = new ArrayList<>(scope);
    java.util.Collections.sort(sorted);
    o.d.writeInt(sorted.size());
    for (String s : sorted) {
      o.str(s);
    }
  }

  private static java.util.Set<String> scope(In in) throws IOException {
    int n = in.d.readInt();
    if (n < 0 || n > 1024) {
      throw new IOException("bad scope size");
    }
    java.util.Set<String> out = new java.util.LinkedHashSet<>();
    String previous = null;
    for (int i = 0; i < n; i++) {
      String s = in.str();
      // written sorted (String order): a duplicate or an entry out of order is not an encoding
      if (previous != null && s.compareTo(previous) <= 0) {
        throw new IOException("scope entries not strictly ascending");
      }
      out.add(s);
      previous = s;
    }
    return out;
  }

  private static void duration(Out o, Duration d) throws IOException {
    o.d.writeLong(d.getSeconds());
    o.d.writeInt(d.getNano());
  }

  private static Duration duration(In in) throws IOException {
    return Duration.ofSeconds(in.d.readLong(), in.nanos());
  }

  public static final RecordCodec<Peck> PECK =
      codec(
          "peck",
          (o, v) -> {
            o.str(v.id().value());
            o.str(v.requester().value());
            o.str(v.requesterOperator().value());
            o.opt(v.sponsor(), strW(AgentId::value));
            o.str(v.target().value());
            o.str(v.targetCert().value());
            o.str(v.targetOperator().value());
            scope(o, v.scope());
            duration(o, v.duration());
            o.str(v.state().name());
            o.instant(v.requestedAt());
            o.instant(v.requestExpiresAt());
            o.opt(v.sessionExpiresAt(), Out::instant);
            o.opt(v.decidedBy(), strW(DucklingId::value));
            o.opt(v.approvalRule(), strW(RuleId::value));
            o.opt(v.closedBy(), Out::str);
            o.opt(v.reason(), strW(ReasonCode::code));
          },
          in ->
              new Peck(
                  new PeckId(in.str()),
                  new AgentId(in.str()),
                  new DucklingId(in.str()),
                  in.opt(i -> new AgentId(i.str())),
                  new AgentId(in.str()),
                  new CertId(in.str()),
                  new DucklingId(in.str()),
                  scope(in),
                  duration(in),
                  in.enumOf(PeckState.class),
                  in.instant(),
                  in.instant(),
                  in.opt(In::instant),
                  in.opt(i -> new DucklingId(i.str())),
                  in.opt(i -> new RuleId(i.str())),
                  in.opt(In::str),
                  in.opt(i -> ReasonCode.of(i.str()))));

  public static final RecordCodec<StandingRule> RULE =
      codec(
          "standing_rule",
          (o, v) -> {
            o.str(v.id().value());
            o.str(v.operator().value());
            o.str(v.target().value());
            scope(o, v.scope());
            duration(o, v.maxDuration());
            o.instant(v.createdAt());
            o.d.writeBoolean(v.active());
          },
          in ->
              new StandingRule(
                  new RuleId(in.str()),
                  new DucklingId(in.str()),
                  new AgentId(in.str()),
                  scope(in),
                  duration(in),
                  in.instant(),
                  in.bool()));

  public static final RecordCodec<Block> BLOCK =
      codec(
          "block",
          (o, v) -> {
            o.str(v.blocked().value());
            o.opt(v.operator(), strW(DucklingId::value));
            o.str(v.by().value());
            o.instant(v.at());
            o.str(v.reason().code());
          },
          in ->
              new Block(
                  in.identityId(),
                  in.opt(i -> new DucklingId(i.str())),
                  in.identityId(),
                  in.instant(),
                  ReasonCode.of(in.str())));

  /** Pulses are not a table (they bypass units), but byte-storing backends encode them with this. */
  public static final RecordCodec<Pulse> PULSE =
      codec(
          "pulse",
          (o, v) -> {
            o.str(v.agent().value());
            o.str(v.operator().value());
            o.instant(v.at());
            o.str(v.status());
          },
          in -> new Pulse(new AgentId(in.str()), new DucklingId(in.str()), in.instant(), in.str()));
}
