package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.spi.HumanCheck;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.api.spi.StorageHandle;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * D2 over the whole public surface, by reflection: every record of this package (nested ones
 * included) is built with secrets planted wherever its components can hold one — raw Beak Keys,
 * session tokens, verification codes, emails, any string component whose name says token, code,
 * secret, key, password or email, and a password inside any URI — and its {@code toString()} (which
 * reaches logs and exception messages) must contain none of them. A record added later is covered
 * without touching this test.
 */
class ValueSecrecyTest {
  private static final Pattern SECRET_NAME =
      Pattern.compile("(?i).*(token|code|secret|key|password|email).*");
  private static final String KEY_SECRET = "mysecretkeymaterialmysecretkeymaterialmysecretkeyaa";
  private final List<String> planted = new ArrayList<>();
  private int seq;

  private String marker(String what) {
    String m = "s3cr3t" + what.replaceAll("[^A-Za-z]", "") + (++seq) + "x";
    planted.add(m);
    return m;
  }

  @Test
  @Tag("D2")
  void noRecordPrintsASecretPlantedInIt() throws Exception {
    List<Class<?>> records = apiRecords();
    assertTrue(records.size() >= 40, "found the package's records: " + records);
    List<String> built = new ArrayList<>();
    for (Class<?> r : records) {
      Object value = build(r);
      String text = value.toString();
      for (String secret : planted) {
        assertFalse(text.contains(secret), r.getSimpleName() + ".toString() prints a planted secret: " + text);
      }
      built.add(r.getSimpleName());
    }
    assertTrue(built.containsAll(List.of("HatchRequest", "EngineConfig", "IssuedKey", "IssuedSession", "HatchResult",
        "BondResult", "Pulse", "Session")), "built " + built);
    assertTrue(planted.stream().anyMatch(m -> m.contains("challengeToken")) && planted.stream().anyMatch(m -> m.contains("password")), "secrets were planted: " + planted);
  }

  /** The secret value types print redacted forms themselves. */
  @Test
  @Tag("D2")
  void secretTypes_printRedacted() {
    String raw = "bk_abcdefghijklmnop_" + KEY_SECRET;
    assertFalse(BeakKey.of(raw).toString().contains(KEY_SECRET));
    assertFalse(BeakKey.of("garbage " + KEY_SECRET).toString().contains(KEY_SECRET));
    assertFalse(SessionToken.of("eyJ." + KEY_SECRET).toString().contains(KEY_SECRET));
    assertFalse(VerificationCode.of("424242").toString().contains("424242"));
    assertFalse(Email.of("someone@example.org").toString().contains("someone"));
  }

  /** Every record class of {@code io.spaceduck.api}, read from the compiled classes. */
  private static List<Class<?>> apiRecords() throws URISyntaxException, java.io.IOException, ClassNotFoundException {
    Path root = Path.of(Tier.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path dir = root.resolve("io/spaceduck/api");
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".class") && !name.equals("package-info.class")) {
          Class<?> c = Class.forName("io.spaceduck.api." + name.substring(0, name.length() - 6).replace('/', '.'));
          if (c.isRecord()) {
            out.add(c);
          }
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ a value of any type

  private Object build(Class<?> record) throws Exception {
    RecordComponent[] cs = record.getRecordComponents();
    Class<?>[] types = Stream.of(cs).map(RecordComponent::getType).toArray(Class<?>[]::new);
    Constructor<?> ctor = record.getDeclaredConstructor(types);
    ctor.setAccessible(true);
    List<Integer> optionals = new ArrayList<>();
    for (int i = 0; i < cs.length; i++) {
      if (cs[i].getType() == Optional.class) {
        optionals.add(i);
      }
    }
    // try with as many optional components present as the record's invariants allow
    List<Integer> masks = new ArrayList<>();
    for (int m = (1 << optionals.size()) - 1; m >= 0; m--) {
      masks.add(m);
    }
    masks.sort((a, b) -> Integer.bitCount(b) - Integer.bitCount(a));
    Exception last = null;
    for (int mask : masks) {
      Object[] args = new Object[cs.length];
      for (int i = 0; i < cs.length; i++) {
        int bit = optionals.indexOf(i);
        boolean present = bit < 0 || (mask & (1 << bit)) != 0;
        args[i] = present ? value(cs[i].getGenericType(), record, cs[i].getName()) : Optional.empty();
      }
      try {
        return ctor.newInstance(args);
      } catch (InvocationTargetException e) {
        last = e;
      }
    }
    // a single validated string (typed ids, reason codes): a well-formed value
    if (cs.length == 1 && cs[0].getType() == String.class) {
      return ctor.newInstance(wellFormed(record));
    }
    throw new AssertionError("cannot build " + record, last);
  }

  private static String wellFormed(Class<?> record) throws Exception {
    if (record == ReasonCode.class) {
      return "none";
    }
    if (record == KeyId.class) {
      return "abcdefghijklmnop";
    }
    return record.getField("PREFIX").get(null) + "abcdefghijklmnopqrstuvwxyz";
  }

  private Object value(Type type, Class<?> owner, String name) throws Exception {
    if (type instanceof ParameterizedType p) {
      Class<?> raw = (Class<?>) p.getRawType();
      Type[] args = p.getActualTypeArguments();
      if (raw == Optional.class) {
        return args[0] == StorageHandle.class ? Optional.empty() : Optional.of(value(args[0], owner, name));
      }
      if (raw == Set.class) {
        if (args[0] instanceof Class<?> e && e.isEnum() && owner != Policy.Rule.class) {
          return Set.of(); // enum sets (roles, features) carry no text; empty keeps invariants such as "admin ⇒ T2"
        }
        return Set.of(value(args[0], owner, name));
      }
      if (raw == List.class) {
        return List.of(value(args[0], owner, name));
      }
      if (raw == Map.class || raw == java.util.SortedMap.class) {
        if (owner == RateLimits.class) {
          return RateLimits.defaults().perTier();
        }
        Map<Object, Object> m = raw == Map.class ? new LinkedHashMap<>() : new TreeMap<>();
        m.put(args[0] == String.class ? "k" : value(args[0], owner, name), value(args[1], owner, name));
        return m;
      }
      throw new AssertionError("no value for " + type);
    }
    Class<?> c = (Class<?>) type;
    // the transparency formats: a key name has no space, a note's text ends in a newline, and a signed
    // checkpoint's note is its checkpoint's body (none of them holds a secret)
    if (owner == SignedCheckpoint.class && c == Checkpoint.class) {
      return new Checkpoint("example.org/log", 1, Hash.ZERO);
    }
    if (owner == SignedCheckpoint.class && c == SignedNote.class) {
      return new SignedNote(new Checkpoint("example.org/log", 1, Hash.ZERO).body(), List.of());
    }
    if (owner == SignedNote.Signature.class && name.equals("name")) {
      return "example.org/log";
    }
    if (owner == SignedNote.class && name.equals("text")) {
      return "plain text\n";
    }
    if (c == String.class) {
      if (owner == ReasonCode.class) {
        return "none"; // a reason code is a short public code by design, never free text
      }
      if (name.toLowerCase().contains("uri")) {
        return "jdbc:postgresql://db.example/sd?user=app&password=" + marker("password");
      }
      return SECRET_NAME.matcher(name).matches() ? marker(name) : "plain " + name;
    }
    if (c == long.class) {
      return 1L;
    }
    if (c == int.class) {
      return 1;
    }
    if (c == boolean.class) {
      return true;
    }
    if (c == double.class) {
      return 1.0;
    }
    if (c == Instant.class) {
      return Instant.EPOCH;
    }
    if (c == Duration.class) {
      return Duration.ofHours(1);
    }
    if (c == OptionalLong.class) {
      return OptionalLong.empty();
    }
    if (c.isEnum()) {
      return c.getEnumConstants()[0];
    }
    if (c == BeakKey.class) {
      String secret = marker("beakkey") + KEY_SECRET;
      return BeakKey.of("bk_abcdefghijklmnop_" + secret);
    }
    if (c == SessionToken.class) {
      return SessionToken.of("eyJhbGciOiJFUzI1NiJ9." + marker("session"));
    }
    if (c == VerificationCode.class) {
      return VerificationCode.of(marker("code"));
    }
    if (c == Email.class) {
      return Email.of(marker("email") + "@example.org");
    }
    if (c == Hash.class) {
      return Hash.ZERO;
    }
    if (c == IdentityId.class) {
      return new DucklingId("dk_abcdefghijklmnopqrstuvwxyz");
    }
    if (c == Identity.class) {
      return build(Duckling.class);
    }
    if (c == Policy.class) {
      return Policy.defaults();
    }
    if (c == RateLimits.class) {
      return RateLimits.defaults();
    }
    if (c == Clock.class) {
      return Clock.systemUTC();
    }
    if (c == SecureRandom.class) {
      return new SecureRandom();
    }
    if (c == KekSource.class) {
      return KekSource.of((p, ad) -> p, (x, ad) -> x);
    }
    if (c == byte[].class) {
      return new byte[64];
    }
    if (c == io.spaceduck.api.spi.CheckpointKeeper.class) {
      return io.spaceduck.api.spi.CheckpointKeeper.inMemory();
    }
    if (c == HumanCheck.class) {
      return (HumanCheck) (t, s) -> true;
    }
    if (c == VerificationDelivery.class) {
      return (VerificationDelivery) (e, h, code, at) -> {};
    }
    if (c == PeckNotifier.class) {
      return PeckNotifier.NONE;
    }
    if (c.isRecord()) {
      return build(c);
    }
    throw new AssertionError("no value for " + c + " (" + owner.getSimpleName() + "." + name + ")");
  }
}
