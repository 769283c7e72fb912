package io.spaceduck.core.internal;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeyStatus;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.jwt.JwkSetConverter;
import com.google.crypto.tink.jwt.JwtEcdsaParameters;
import com.google.crypto.tink.jwt.JwtPublicKeySign;
import com.google.crypto.tink.jwt.JwtPublicKeyVerify;
import com.google.crypto.tink.mac.PredefinedMacParameters;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.KeysetRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's three Tink keysets, persisted through the store encrypted under the host's KEK:
 * {@code signing} (JWT ES256 with {@code kid}, for certificates and later session tokens), {@code pii}
 * (AES-256-GCM for emails) and {@code mac} (HMAC-SHA256 for Beak Key hashes, code hashes and the email
 * blind index). Generated on the first open of a store. The signing keyset rotates: a key is added
 * (published in the JWK set), later promoted; old keys stay enabled so old certificates verify.
 *
 * <p>Thread-safe. Primitives are built once per keyset version and reused.
 */
final class EngineKeysets {
  private static final Logger log = LoggerFactory.getLogger(EngineKeysets.class);
  static final String SIGNING = "signing";
  static final String PII = "pii";
  static final String MAC = "mac";

  private final Storage storage;
  private final Aead kek;
  private final Mac mac;
  private final BeakKeyMac beakKeyMac;
  private final Aead pii;
  private final AtomicReference<Signing> signing = new AtomicReference<>();

  /** The signing keyset at one stored version with its primitives. */
  record Signing(long version, KeysetHandle handle, JwtPublicKeySign signer, JwtPublicKeyVerify verifier, String jwks) {}

  EngineKeysets(Storage storage, Aead kek) {
    TinkSetup.config();
    this.storage = storage;
    this.kek = kek;
    try {
      KeysetHandle macKeyset = loadOrCreate(MAC).handle();
      this.mac = macKeyset.getPrimitive(TinkSetup.config(), Mac.class);
      this.beakKeyMac = BeakKeyMac.of(macKeyset, mac);
      this.pii = loadOrCreate(PII).handle().getPrimitive(TinkSetup.config(), Aead.class);
      Loaded s = loadOrCreate(SIGNING);
      this.signing.set(signingOf(s.version(), s.handle()));
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
      default -> throw new IllegalArgumentException(name);
    };
  }

  private static JwtEcdsaParameters signingParameters() throws GeneralSecurityException {
    return JwtEcdsaParameters.builder()
        .setAlgorithm(JwtEcdsaParameters.Algorithm.ES256)
        .setKidStrategy(JwtEcdsaParameters.KidStrategy.BASE64_ENCODED_KEY_ID)
        .build();
  }

  private static Signing signingOf(long version, KeysetHandle handle) throws GeneralSecurityException, IOException {
    KeysetHandle pub = handle.getPublicKeysetHandle();
    return new Signing(
        version,
        handle,
        handle.getPrimitive(TinkSetup.config(), JwtPublicKeySign.class),
        pub.getPrimitive(TinkSetup.config(), JwtPublicKeyVerify.class),
        JwkSetConverter.fromPublicKeysetHandle(pub));
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
   * The signing keyset, reloaded when another engine instance sharing the store has rotated it. One
   * keyed read per call; signing and certificate verification are not on the hot path.
   */
  Signing signing() {
    Signing current = signing.get();
    Optional<Versioned<KeysetRecord>> stored = storage.get(Tables.KEYSETS, SIGNING);
    if (stored.isPresent() && stored.get().version() != current.version()) {
      try {
        Signing fresh = signingOf(stored.get().version(), decrypt(SIGNING, stored.get().value()));
        signing.compareAndSet(current, fresh);
        return fresh;
      } catch (GeneralSecurityException | IOException e) {
        throw new KeysetException("cannot reload the signing keyset", e);
      }
    }
    return current;
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

  /** Makes the key with {@code kid} primary inside {@code tx}; false if no such key. */
  boolean promoteSigningKey(Transaction tx, String kid) {
    String result =
        editSigning(
            tx,
            h -> {
              KeysetHandle.Builder b = KeysetHandle.newBuilder(h);
              for (int i = 0; i < b.size(); i++) {
                if (kidOf(h.getAt(i).getId()).equals(kid)) {
                  b.getAt(i).makePrimary();
                  return new Edit(b.build(), kid);
                }
              }
              return null;
            });
    return result != null;
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
