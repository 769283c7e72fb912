package io.spaceduck.core;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.core.internal.TinkSetup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key-encryption key kept in a local file, for development and demos only: the file holds an
 * AES-256-GCM Tink keyset in plaintext JSON. Created (mode 600 where the file system allows) if
 * missing. Every use logs a warning.
 *
 * <h2>Security guarantees</h2>
 *
 * None beyond file permissions: anyone who reads the file can decrypt the engine's keysets. In
 * production, pass a {@link KekSource} backed by a KMS.
 */
public final class DevelopmentKek {
  private static final Logger log = LoggerFactory.getLogger(DevelopmentKek.class);

  private DevelopmentKek() {}

  /**
   * Loads the KEK from {@code file}, creating it if absent.
   *
   * @throws UncheckedIOException if the file cannot be read or written
   * @throws IllegalArgumentException if the file is not a Tink AEAD keyset
   */
  public static KekSource fromFile(Path file) {
    TinkSetup.config();
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      String json = Files.readString(file, StandardCharsets.UTF_8);
      KeysetHandle handle = TinkJsonProtoKeysetFormat.parseKeyset(json, InsecureSecretKeyAccess.get());
      Aead aead = handle.getPrimitive(TinkSetup.config(), Aead.class);
      log.warn(
          "using a DEVELOPMENT key-encryption key from {}: it is stored in plaintext; use a KMS-backed KekSource in production",
          file.toAbsolutePath());
      KekSource inner = KekSource.of(aead::encrypt, aead::decrypt);
      return new KekSource() {
        @Override
        public byte[] encrypt(byte[] plaintext, byte[] ad) throws GeneralSecurityException {
          return inner.encrypt(plaintext, ad);
        }

        @Override
        public byte[] decrypt(byte[] ciphertext, byte[] ad) throws GeneralSecurityException {
          return inner.decrypt(ciphertext, ad);
        }

        @Override
        public String describe() {
          return "development-kek:" + file.getFileName();
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the development KEK " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a Tink AEAD keyset: " + file, e);
    }
  }

  private static void create(Path file) throws IOException, GeneralSecurityException {
    KeysetHandle handle = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
    String json = TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get());
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    // Written whole to a private temporary file, then linked into place: another process (or thread)
    // creating the same KEK at the same moment either wins or reads a complete file, never a partial one.
    Path dir = parent != null ? parent : Path.of(".");
    Path tmp;
    try {
      tmp = Files.createTempFile(dir, ".kek-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      tmp = Files.createTempFile(dir, ".kek-", ".tmp");
    }
    try {
      Files.writeString(tmp, json, StandardCharsets.UTF_8);
      try {
        Files.createLink(file, tmp); // atomic, and never replaces an existing KEK
      } catch (FileAlreadyExistsException raced) {
        return;
      } catch (UnsupportedOperationException | FileSystemException noHardLinks) {
        try {
          Files.move(tmp, file); // no REPLACE_EXISTING: an existing KEK is kept
        } catch (FileAlreadyExistsException raced) {
          return;
        }
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    log.warn("created a DEVELOPMENT key-encryption key at {}", file.toAbsolutePath());
  }
}
