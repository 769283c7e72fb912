package io.spaceduck.core.internal;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.PublicKeySign;
import com.google.crypto.tink.signature.Ed25519Parameters;
import com.google.crypto.tink.signature.Ed25519PrivateKey;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.jwt.JwkSetConverter;
import com.google.crypto.tink.jwt.JwtEcdsaParameters;
import com.google.crypto.tink.jwt.JwtPublicKeySign;
import com.google.crypto.tink.jwt.JwtPublicKeyVerify;
import com.google.crypto.tink.mac.PredefinedMacParameters;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.KeysetRecord;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's four Tink keysets, persisted through the store encrypted under the host's KEK:
 * {@code signing} (JWT ES256 with {@code kid}, for certificates and session tokens), {@code pii}
 * (AES-256-GCM for emails) and {@code mac} (HMAC-SHA256 for Beak Key hashes, code hashes and the email
 * blind index), and {@code checkpoint} (Ed25519 with Tink's RAW output prefix, for audit checkpoints).
 * Generated on the first open of a store. The signing keyset rotates: a key is added
 * (published in the JWK set), later promoted; old keys stay enabled so old certificates verify, until
 * an admin retires one ({@code docs/keys.md}): removed from the stored keyset at once, or — while
 * current certificates still depend on it — scheduled in the {@code meta} row {@value #RETIREMENTS}
 * and left out of the JWK set and the verifiers from its date on (by the engine clock).
 *
 * <p>Thread-safe. Primitives are built once per keyset version, schedule version and set of keys past
 * their date, and reused.
 */
final class EngineKeysets {
  private static final Logger log = LoggerFactory.getLogger(EngineKeysets.class);
  static final String SIGNING = "signing";
  static final String PII = "pii";
  static final String MAC = "mac";
  /** Ed25519, RAW output prefix: the audit checkpoint key (C2SP signed-note, {@code docs/transparency.md}). */
  static final String CHECKPOINT = "checkpoint";
  /** The {@code meta} row of scheduled signing-key retirements: {@code kid=instant} pairs, {@code ;}-separated. */
  static final String RETIREMENTS = "signing_retirements";

  private final Storage storage;
  private final Aead kek;
  private final Mac mac;
  private final BeakKeyMac beakKeyMac;
  private final Aead pii;
  private final Clock clock;
  private final AtomicReference<Signing> signing = new AtomicReference<>();
  private final AtomicReference<CheckpointKeys> checkpoint = new AtomicReference<>();

  /**
   * The checkpoint keyset at one stored version: its signer (the primary key) and the raw 32-byte
   * Ed25519 public keys of every key, the primary first.
   */
  record CheckpointKeys(long version, KeysetHandle stored, PublicKeySign signer, List<byte[]> publicKeys) {}

  /**
   * The signing keyset at one stored version and schedule, with its primitives.
   *
   * @param stored the keyset as stored (every key not yet removed)
   * @param schedule scheduled retirements by kid
   * @param pastDate the scheduled keys whose date had passed when this was built: left out of the
   *     verifier and the JWK set
   * @param nextDate the earliest scheduled date still ahead, when this view must be rebuilt
   * @param published the kids in the JWK set
   */
  record Signing(long version, long scheduleVersion, KeysetHandle stored, Map<String, Instant> schedule,
      Set<String> pastDate, Optional<Instant> nextDate, String primaryKid, Set<String> published,
      JwtPublicKeySign signer, JwtPublicKeyVerify verifier, String jwks) {}

  EngineKeysets(Storage storage, Aead kek, Clock clock) {
    TinkSetup.config();
    this.storage = storage;
    this.kek = kek;
    this.clock = clock;
    try {
      KeysetHandle macKeyset = loadOrCreate(MAC).handle();
      this.mac = macKeyset.getPrimitive(TinkSetup.config(), Mac.class);
      this.beakKeyMac = BeakKeyMac.of(macKeyset, mac);
      this.pii = loadOrCreate(PII).handle().getPrimitive(TinkSetup.config(), Aead.class);
      Loaded c = loadOrCreate(CHECKPOINT);
      this.checkpoint.set(checkpointOf(c.version(), c.handle()));
      Loaded s = loadOrCreate(SIGNING);
      Optional<Versioned<MetaRecord>> schedule = storage.get(Tables.META, RETIREMENTS);
      this.signing.set(
          signingOf(s.version(), s.handle(), schedule.map(Versioned::version).orElse(0L),
              parseSchedule(schedule.map(v -> v.value().value()).orElse("")), clock.instant()));
    } catch (GeneralSecurityException | IOException e) {
      throw new KeysetException("cannot open the engine keysets (wrong key-encryption key?)", e);
    }
  }

  /** A keyset could not be read or written; never carries key material. */
  static final class KeysetException extends RuntimeException {
    KeysetException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private record Loaded(long version, KeysetHandle handle) {}

  private static byte[] ad(String name) {
    return ("spaceduck-keyset:" + name).getBytes(StandardCharsets.UTF_8);
  }

  private Loaded loadOrCreate(String name) throws GeneralSecurityException {
    for (int attempt = 0; attempt < 5; attempt++) {
      Optional<Versioned<KeysetRecord>> stored = storage.get(Tables.KEYSETS, name);
      if (stored.isPresent()) {
        return new Loaded(stored.get().version(), decrypt(name, stored.get().value()));
      }
      KeysetHandle fresh = generate(name);
      byte[] encrypted = TinkProtoKeysetFormat.serializeEncryptedKeyset(fresh, kek, ad(name));
      try {
        storage.execute(
            tx -> {
              tx.insert(Tables.KEYSETS, new KeysetRecord(name, Bytes.wrap(encrypted)));
              return null;
            });
        log.info("generated the engine's '{}' keyset in {}", name, storage.describe());
        return new Loaded(1, fresh);
      } catch (StorageConflictException raced) {
        // another engine instance created it first: load theirs
      }
    }
    throw new GeneralSecurityException("keyset '" + name + "' could not be created");
  }

  private KeysetHandle decrypt(String name, KeysetRecord r) throws GeneralSecurityException {
    return TinkProtoKeysetFormat.parseEncryptedKeyset(r.encryptedKeyset().toByteArray(), kek, ad(name));
  }

  private static KeysetHandle generate(String name) throws GeneralSecurityException {
    return switch (name) {
      case SIGNING -> KeysetHandle.generateNew(signingParameters());
      case PII -> KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
      case MAC -> KeysetHandle.generateNew(PredefinedMacParameters.HMAC_SHA256_256BITTAG);
      case CHECKPOINT -> KeysetHandle.generateNew(checkpointParameters());
      default -> throw new IllegalArgumentException(name);
    };
  }

  /**
   * NO_PREFIX (Tink's RAW output prefix): the signature is the plain 64-byte Ed25519 signature that
   * signed-note expects, not Tink's 5-byte key-id prefix followed by it.
   */
  private static Ed25519Parameters checkpointParameters() throws GeneralSecurityException {
    return Ed25519Parameters.create(Ed25519Parameters.Variant.NO_PREFIX);
  }

  private static CheckpointKeys checkpointOf(long version, KeysetHandle stored) throws GeneralSecurityException {
    List<byte[]> publics = new ArrayList<>();
    publics.add(rawPublicKey(stored.getPrimary().getKey()));
    for (int i = 0; i < stored.size(); i++) {
      if (!stored.getAt(i).isPrimary()) {
        publics.add(rawPublicKey(stored.getAt(i).getKey()));
      }
    }
    return new CheckpointKeys(version, stored, stored.getPrimitive(TinkSetup.config(), PublicKeySign.class), List.copyOf(publics));
  }

  /** The 32 raw bytes of an Ed25519 key's public half (RFC 8032 encoding), never the private half. */
  private static byte[] rawPublicKey(com.google.crypto.tink.Key key) throws GeneralSecurityException {
    if (!(key instanceof Ed25519PrivateKey k) || k.getParameters().getVariant() != Ed25519Parameters.Variant.NO_PREFIX) {
      throw new GeneralSecurityException("the checkpoint keyset holds a key that is not a RAW Ed25519 key");
    }
    return k.getPublicKey().getPublicKeyBytes().toByteArray();
  }

  /** The checkpoint keyset, reloaded when another instance sharing the store has rotated it. */
  CheckpointKeys checkpointKeys() {
    CheckpointKeys current = checkpoint.get();
    Optional<Versioned<KeysetRecord>> stored = storage.get(Tables.KEYSETS, CHECKPOINT);
    if (stored.isEmpty() || stored.get().version() == current.version()) {
      return current;
    }
    try {
      CheckpointKeys fresh = checkpointOf(stored.get().version(), decrypt(CHECKPOINT, stored.get().value()));
      checkpoint.compareAndSet(current, fresh);
      return fresh;
    } catch (GeneralSecurityException e) {
      throw new KeysetException("cannot reload the checkpoint keyset", e);
    }
  }

  /**
   * Adds a new checkpoint key and makes it primary inside {@code tx}; the old keys stay (their
   * checkpoints keep verifying). Returns the new key's raw public key.
   */
  byte[] rotateCheckpointKey(Transaction tx) {
    try {
      Versioned<KeysetRecord> stored =
          tx.get(Tables.KEYSETS, CHECKPOINT).orElseThrow(() -> new StorageConflictException("checkpoint keyset missing"));
      KeysetHandle.Builder b = KeysetHandle.newBuilder(decrypt(CHECKPOINT, stored.value()));
      b.addEntry(KeysetHandle.generateEntryFromParameters(checkpointParameters()).withRandomId().makePrimary());
      KeysetHandle next = b.build();
      byte[] encrypted = TinkProtoKeysetFormat.serializeEncryptedKeyset(next, kek, ad(CHECKPOINT));
      tx.update(Tables.KEYSETS, stored, new KeysetRecord(CHECKPOINT, Bytes.wrap(encrypted)));
      return rawPublicKey(next.getPrimary().getKey());
    } catch (GeneralSecurityException e) {
      throw new KeysetException("cannot rotate the checkpoint keyset", e);
    }
  }

  private static JwtEcdsaParameters signingParameters() throws GeneralSecurityException {
    return JwtEcdsaParameters.builder()
        .setAlgorithm(JwtEcdsaParameters.Algorithm.ES256)
        .setKidStrategy(JwtEcdsaParameters.KidStrategy.BASE64_ENCODED_KEY_ID)
        .build();
  }

  private static Signing signingOf(
      long version, KeysetHandle stored, long scheduleVersion, Map<String, Instant> schedule, Instant now)
      throws GeneralSecurityException, IOException {
    Set<String> pastDate = new TreeSet<>();
    Optional<Instant> nextDate = Optional.empty();
    for (Map.Entry<String, Instant> e : schedule.entrySet()) {
      if (!now.isBefore(e.getValue())) {
        pastDate.add(e.getKey());
      } else if (nextDate.isEmpty() || e.getValue().isBefore(nextDate.get())) {
        nextDate = Optional.of(e.getValue());
      }
    }
    String primaryKid = kidOf(stored.getPrimary().getId());
    pastDate.remove(primaryKid); // never scheduled (refused), but a primary must keep verifying what it signs
    KeysetHandle effective = stored;
    if (!pastDate.isEmpty()) {
      KeysetHandle.Builder b = KeysetHandle.newBuilder(stored);
      for (int i = b.size() - 1; i >= 0; i--) {
        if (pastDate.contains(kidOf(stored.getAt(i).getId()))) {
          b.deleteAt(i);
        }
      }
      effective = b.build();
    }
    Set<String> published = new TreeSet<>();
    for (int i = 0; i < effective.size(); i++) {
      published.add(kidOf(effective.getAt(i).getId()));
    }
    KeysetHandle pub = effective.getPublicKeysetHandle();
    return new Signing(
        version,
        scheduleVersion,
        stored,
        Map.copyOf(schedule),
        Set.copyOf(pastDate),
        nextDate,
        primaryKid,
        Set.copyOf(published),
        stored.getPrimitive(TinkSetup.config(), JwtPublicKeySign.class),
        pub.getPrimitive(TinkSetup.config(), JwtPublicKeyVerify.class),
        JwkSetConverter.fromPublicKeysetHandle(pub));
  }

  /** Parses the {@value #RETIREMENTS} row; tolerant of an empty value. */
  static Map<String, Instant> parseSchedule(String value) {
    Map<String, Instant> m = new TreeMap<>();
    for (String pair : value.split(";")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        m.put(pair.substring(0, eq), Instant.parse(pair.substring(eq + 1)));
      }
    }
    return m;
  }

  static String formatSchedule(Map<String, Instant> schedule) {
    StringBuilder b = new StringBuilder();
    new TreeMap<>(schedule).forEach((kid, at) -> b.append(b.length() == 0 ? "" : ";").append(kid).append('=').append(at));
    return b.toString();
  }

  Mac mac() {
    return mac;
  }

  /** Verification of Beak Key MACs on the authentication path (same keyset as {@link #mac()}). */
  BeakKeyMac beakKeyMac() {
    return beakKeyMac;
  }

  Aead pii() {
    return pii;
  }

  /**
   * The signing keyset, reloaded when another engine instance sharing the store has rotated it or
   * changed the retirement schedule (every schedule change also writes the keyset row, so its version
   * says both), and rebuilt when a scheduled retirement date has passed. One keyed read per call, a
   * second only after a change; signing and token verification are not on the hot path.
   */
  Signing signing() {
    Signing current = signing.get();
    Instant now = clock.instant();
    Optional<Versioned<KeysetRecord>> stored = storage.get(Tables.KEYSETS, SIGNING);
    long version = stored.map(Versioned::version).orElse(current.version());
    boolean dateReached = current.nextDate().map(d -> !now.isBefore(d)).orElse(false);
    if (version == current.version() && !dateReached) {
      return current;
    }
    try {
      KeysetHandle handle = version == current.version() ? current.stored() : decrypt(SIGNING, stored.get().value());
      Optional<Versioned<MetaRecord>> schedule = storage.get(Tables.META, RETIREMENTS);
      long scheduleVersion = schedule.map(Versioned::version).orElse(0L);
      Map<String, Instant> retirements =
          scheduleVersion == current.scheduleVersion()
              ? current.schedule()
              : parseSchedule(schedule.map(v -> v.value().value()).orElse(""));
      Signing fresh = signingOf(version, handle, scheduleVersion, retirements, now);
      signing.compareAndSet(current, fresh);
      return fresh;
    } catch (GeneralSecurityException | IOException e) {
      throw new KeysetException("cannot reload the signing keyset", e);
    }
  }

  /**
   * The signing keyset as {@code tx} reads it, for a unit that signs: the unit then conflicts (and is
   * re-run) if a rotation or retirement commits before it, so nothing is ever signed by a key that
   * stopped being primary or was retired in the meantime.
   */
  Signing signingIn(Transaction tx) {
    Versioned<KeysetRecord> row =
        tx.get(Tables.KEYSETS, SIGNING).orElseThrow(() -> new StorageConflictException("signing keyset missing"));
    tx.check(Tables.KEYSETS, row);
    Signing s = signing();
    if (s.version() != row.version()) {
      throw new StorageConflictException("the signing keyset changed; re-run");
    }
    return s;
  }

  /** The Tink {@code kid} of a keyset entry id: base64url of the 4-byte big-endian id. */
  static String kidOf(int keyId) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(ByteBuffer.allocate(4).putInt(keyId).array());
  }

  /** Adds a non-primary signing key inside {@code tx}; returns its kid. */
  String addSigningKey(Transaction tx) {
    return editSigning(
        tx,
        h -> {
          KeysetHandle.Builder b = KeysetHandle.newBuilder(h);
          KeysetHandle.Builder.Entry e =
              KeysetHandle.generateEntryFromParameters(signingParameters()).withRandomId().setStatus(KeyStatus.ENABLED);
          b.addEntry(e);
          KeysetHandle next = b.build();
          int newId = next.getAt(next.size() - 1).getId();
          return new Edit(next, kidOf(newId));
        });
  }

  /** The position of the key with {@code kid} in {@code h} (the builder's positions are the same), or -1. */
  private static int indexOf(KeysetHandle h, String kid) {
    for (int i = 0; i < h.size(); i++) {
      if (kidOf(h.getAt(i).getId()).equals(kid)) {
        return i;
      }
    }
    return -1;
  }

  /** Makes the key with {@code kid} primary inside {@code tx}; false if no such key. */
  boolean promoteSigningKey(Transaction tx, String kid) {
    String result =
        editSigning(
            tx,
            h -> {
              int i = indexOf(h, kid);
              if (i < 0) {
                return null;
              }
              KeysetHandle.Builder b = KeysetHandle.newBuilder(h);
              b.getAt(i).makePrimary();
              return new Edit(b.build(), kid);
            });
    return result != null;
  }

  /**
   * Removes the key with {@code kid} from the stored keyset inside {@code tx}, and from the schedule;
   * false if no such key. Never the primary (the caller refuses that first).
   */
  boolean removeSigningKey(Transaction tx, String kid) {
    String result =
        editSigning(
            tx,
            h -> {
              int i = indexOf(h, kid);
              if (i < 0) {
                return null;
              }
              if (h.getAt(i).isPrimary()) {
                throw new IllegalStateException("the primary signing key cannot be removed");
              }
              KeysetHandle.Builder b = KeysetHandle.newBuilder(h);
              b.deleteAt(i);
              return new Edit(b.build(), kid);
            });
    if (result != null && schedule(tx).containsKey(kid)) {
      editSchedule(tx, m -> m.remove(kid)); // the keyset row changed too: every instance reloads both
    }
    return result != null;
  }

  /**
   * Schedules the retirement of {@code kid} at {@code at} inside {@code tx}, and rewrites the keyset
   * row unchanged: its new version is how every instance learns of the schedule with the one read
   * {@link #signing()} makes anyway.
   */
  void scheduleRetirement(Transaction tx, String kid, Instant at) {
    editSchedule(tx, m -> m.put(kid, at));
    editSigning(tx, h -> new Edit(h, kid));
  }

  /** The scheduled retirements as {@code tx} reads them. */
  Map<String, Instant> schedule(Transaction tx) {
    return parseSchedule(tx.get(Tables.META, RETIREMENTS).map(v -> v.value().value()).orElse(""));
  }

  /** The kids of the stored keyset as {@code tx} reads it, the primary first. */
  List<String> storedKids(Transaction tx) {
    try {
      Versioned<KeysetRecord> stored =
          tx.get(Tables.KEYSETS, SIGNING).orElseThrow(() -> new StorageConflictException("signing keyset missing"));
      KeysetHandle h = decrypt(SIGNING, stored.value());
      List<String> kids = new ArrayList<>();
      kids.add(kidOf(h.getPrimary().getId()));
      for (int i = 0; i < h.size(); i++) {
        String kid = kidOf(h.getAt(i).getId());
        if (!kids.contains(kid)) {
          kids.add(kid);
        }
      }
      return kids;
    } catch (GeneralSecurityException e) {
      throw new KeysetException("cannot read the signing keyset", e);
    }
  }

  private void editSchedule(Transaction tx, java.util.function.Consumer<Map<String, Instant>> edit) {
    Optional<Versioned<MetaRecord>> row = tx.get(Tables.META, RETIREMENTS);
    Map<String, Instant> m = parseSchedule(row.map(v -> v.value().value()).orElse(""));
    edit.accept(m);
    MetaRecord next = new MetaRecord(RETIREMENTS, formatSchedule(m));
    if (row.isPresent()) {
      tx.update(Tables.META, row.get(), next);
    } else {
      tx.insert(Tables.META, next);
    }
  }

  private record Edit(KeysetHandle handle, String kid) {}

  private interface SigningEdit {
    Edit apply(KeysetHandle h) throws GeneralSecurityException;
  }

  private String editSigning(Transaction tx, SigningEdit edit) {
    try {
      Versioned<KeysetRecord> stored =
          tx.get(Tables.KEYSETS, SIGNING).orElseThrow(() -> new StorageConflictException("signing keyset missing"));
      Edit e = edit.apply(decrypt(SIGNING, stored.value()));
      if (e == null) {
        return null;
      }
      byte[] encrypted = TinkProtoKeysetFormat.serializeEncryptedKeyset(e.handle(), kek, ad(SIGNING));
      tx.update(Tables.KEYSETS, stored, new KeysetRecord(SIGNING, Bytes.wrap(encrypted)));
      return e.kid();
    } catch (GeneralSecurityException ex) {
      throw new KeysetException("cannot edit the signing keyset", ex);
    }
  }
}
