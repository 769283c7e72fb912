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
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key-encryption key kept in a local file, for development and demos only: the file holds an
 * AES-256-GCM Tink keyset in plaintext JSON. Created (mode 600 where the file system allows) if
 * missing. Every use logs a warning.
 *
 * <h2>Security guarantees</h2>
 *
 * None beyond file permissions: anyone who reads the file can decrypt the engine's keysets. As ssh
 * does for a private key, a file that its group or other users may read, write or execute (any of
 * the mode bits {@code 077}) is refused with a {@link SecurityException} that says how to fix it
 * ({@code chmod 600 <file>}); the file is not read then, and no message ever contains key material.
 * A file the engine creates is created with mode 600 from its first byte (the temporary file is
 * opened {@code O_CREAT|O_EXCL} with that mode, then linked into place), so there is no moment when
 * it is readable by others. On a file system without POSIX permissions (e.g. NTFS) the mode cannot
 * be checked: the file is accepted and a warning says so — protect it with the file system's ACLs.
 * In production, pass a {@link KekSource} backed by a KMS.
 *
 * <p>Thread-safe: {@link #fromFile(Path)} may run concurrently, also across processes.
 */
public final class DevelopmentKek {
  private static final Logger log = LoggerFactory.getLogger(DevelopmentKek.class);

  private DevelopmentKek() {}

  /**
   * Loads the KEK from {@code file}, creating it if absent.
   *
   * @throws UncheckedIOException if the file cannot be read or written
   * @throws SecurityException if the file's group or other users have any permission on it
   * @throws IllegalArgumentException if the file is not a Tink AEAD keyset
   */
  public static KekSource fromFile(Path file) {
    TinkSetup.config();
    try {
      if (!Files.exists(file)) {
        create(file);
      }
      requirePrivate(file);
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
    } catch (GeneralSecurityException | RuntimeException e) {
      if (e instanceof SecurityException || e instanceof UncheckedIOException) {
        throw (RuntimeException) e;
      }
      // no cause: a parser's message may quote the file's content, which is key material (D2)
      throw new IllegalArgumentException("not a Tink AEAD keyset: " + file);
    }
  }

  /** The mode bits of group and others: any of them makes a KEK file too open (as ssh's 077 test). */
  private static final Set<PosixFilePermission> GROUP_OR_OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  /**
   * Refuses a KEK file its group or other users may use, before reading it (the symlink, if any, is
   * followed: the target's mode is what protects the key).
   */
  static void requirePrivate(Path file) throws IOException {
    Set<PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException notPosix) {
      log.warn(
          "cannot check the permissions of the development KEK {}: the file system has no POSIX modes;"
              + " make sure only you can read it",
          file.toAbsolutePath());
      return;
    }
    if (!Collections.disjoint(mode, GROUP_OR_OTHERS)) {
      String abs = file.toAbsolutePath().toString();
      throw new SecurityException(
          "the development KEK file " + abs + " is accessible by other users (mode "
              + PosixFilePermissions.toString(mode) + "); it holds a plaintext key and must be readable by its"
              + " owner only: run chmod 600 " + abs + " (and if others may have read it, treat the key as compromised)");
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
