package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes secrets (Beak Keys, verification codes, session tokens) through files, standard
 * input and the environment — never through command-line arguments, which other users see in
 * {@code ps}. Files written here are created with mode 600 where the file system allows it and
 * replaced atomically. Nothing here logs a secret.
 */
final class SecretIo {
  /** The environment variable that carries the caller's Beak Key. */
  static final String KEY_ENV = "SPACEDUCK_KEY";

  /** Longest secret or token file read, in bytes (a certificate JWS is far below this). */
  private static final int MAX_INPUT = 1 << 20;

  private SecretIo() {}

  /**
   * The caller's key: from {@code keyFile} ({@code -} for standard input) when given, else from
   * {@code $SPACEDUCK_KEY}.
   *
   * @throws CliException (usage) when neither is present or the file cannot be read
   */
  static BeakKey callerKey(Context ctx, @Nullable String keyFile) {
    if (keyFile != null) {
      String text = readText(ctx, keyFile, "key file");
      if (!keyFile.equals("-")) {
        warnIfShared(ctx, ctx.resolve(keyFile));
      }
      return BeakKey.of(firstLine(text));
    }
    String env = ctx.getenv(KEY_ENV);
    if (env == null) {
      throw CliException.usage(
          "this command needs the caller's Beak Key: set " + KEY_ENV + " or pass --key-file FILE (never the key itself)");
    }
    return BeakKey.of(env.strip());
  }

  /** Whether a caller key is configured (file or environment). */
  static boolean hasCallerKey(Context ctx, @Nullable String keyFile) {
    return keyFile != null || ctx.getenv(KEY_ENV) != null;
  }

  /** The first non-blank line of {@code text}, stripped. */
  static String firstLine(String text) {
    for (String line : text.split("\\R")) {
      if (!line.isBlank()) {
        return line.strip();
      }
    }
    return "";
  }

  /**
   * The whole text of {@code file} (relative to the working directory), or of standard input for
   * {@code -}.
   *
   * @throws CliException (usage) if it cannot be read or is larger than 1 MiB
   */
  static String readText(Context ctx, String file, String what) {
    try {
      byte[] bytes;
      if (file.equals("-")) {
        bytes = readAtMost(ctx.in());
      } else {
        Path p = ctx.resolve(file);
        if (Files.size(p) > MAX_INPUT) {
          throw CliException.usage(what + " " + file + " is larger than 1 MiB");
        }
        bytes = Files.readAllBytes(p);
      }
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw CliException.usage("cannot read the " + what + " " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw CliException.usage("cannot read the " + what + " " + file + ": permission denied");
    } catch (IOException e) {
      throw CliException.usage("cannot read the " + what + " " + file + ": " + e.getClass().getSimpleName(), e);
    }
  }

  private static byte[] readAtMost(InputStream in) throws IOException {
    byte[] bytes = in.readNBytes(MAX_INPUT + 1);
    if (bytes.length > MAX_INPUT) {
      throw CliException.usage("standard input is larger than 1 MiB");
    }
    return bytes;
  }

  /**
   * Checks before an irreversible call that {@code file} can be written afterwards, so that a key
   * shown once is not lost to a typo in a path.
   */
  static void checkWritable(Context ctx, Path file) {
    Path p = ctx.resolve(file.toString());
    Path dir = p.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw CliException.usage("cannot write " + file + ": no such directory");
    }
    if (Files.isDirectory(p)) {
      throw CliException.usage("cannot write " + file + ": it is a directory");
    }
    if (!Files.isWritable(dir)) {
      throw CliException.usage("cannot write " + file + ": the directory is not writable");
    }
  }

  /**
   * Writes {@code secret} and a newline to {@code file}, mode 600, replacing it atomically.
   *
   * @return false if it could not be written (the caller then shows the secret instead)
   */
  static boolean writeSecret(Context ctx, Path file, String secret) {
    Path p = ctx.resolve(file.toString());
    Path tmp = null;
    try {
      Path dir = p.getParent();
      try {
        tmp = Files.createTempFile(dir, ".duck-", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException notPosix) {
        tmp = Files.createTempFile(dir, ".duck-", ".tmp");
      }
      Files.writeString(tmp, secret + "\n", StandardCharsets.UTF_8);
      try {
        Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // best effort
        }
      }
      return false;
    }
  }

  private static void warnIfShared(Context ctx, Path file) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
        ctx.err().println("duck: warning: the key file " + file.getFileName() + " is readable by other users (chmod 600 it)");
      }
    } catch (IOException | UnsupportedOperationException e) {
      // not POSIX, or gone: nothing to say
    }
  }
}
