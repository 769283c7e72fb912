package io.spaceduck.cli;

import java.net.URI;
import java.nio.file.Path;
import io.spaceduck.storage.StorageProvider;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Where a command's store and KEK are: the store URI handed to {@code SpaceDuckBuilder.storageUri},
 * its MapDB file (when it is one), and the KEK file.
 *
 * @param uri the store URI ({@code mapdb:/abs/path}, a {@code jdbc:} URL passed through, or {@code memory:})
 * @param file the MapDB file, when the store is one
 * @param kekFile the key-encryption key file
 * @param defaultKek whether the KEK file is the development default (duck then warns)
 */
record StoreChoice(String uri, @Nullable Path file, Path kekFile, boolean defaultKek) {
  /** The store when neither {@code --store} nor {@code $SPACEDUCK_STORE} names one. */
  static final String DEFAULT_STORE = "spaceduck.db";
  /** Names the store: a MapDB file path, or a {@code jdbc:} URL. */
  static final String STORE_ENV = "SPACEDUCK_STORE";
  /** Names the KEK file. */
  static final String KEK_ENV = "SPACEDUCK_KEK_FILE";
  /** The development KEK beside a MapDB store is {@code <store file>} plus this suffix. */
  static final String KEK_SUFFIX = ".dev-kek.json";
  /** The development KEK for a store that is not a file (JDBC), in the working directory. */
  static final String SHARED_DEV_KEK = "spaceduck-dev-kek.json";

  /**
   * Resolves the options and environment: {@code --store} beats {@code $SPACEDUCK_STORE} beats
   * {@code ./spaceduck.db}; {@code --kek-file} beats {@code $SPACEDUCK_KEK_FILE} beats the development
   * default. A value starting {@code jdbc:} is a JDBC URL, {@code mapdb:} or {@code memory:} a store
   * URI, as is any other {@code scheme:} URI a storage provider on the class path accepts; any other
   * {@code scheme:…} is refused (exit 12: a typo must not become a new file store); anything else is
   * a MapDB file path (relative to the working directory; {@code ./a:b} for a name with a colon).
   *
   * @throws CliException (config) for a {@code scheme:} no provider accepts
   */
  static StoreChoice resolve(Context ctx, @Nullable String storeOption, @Nullable Path kekOption) {
    String store = storeOption != null && !storeOption.isBlank() ? storeOption : ctx.getenv(STORE_ENV);
    if (store == null) {
      store = DEFAULT_STORE;
    }
    String uri;
    Path file = null;
    String lower = store.toLowerCase(Locale.ROOT);
    if (lower.startsWith("jdbc:") || lower.startsWith("memory:") || otherProviderAccepts(store)) {
      uri = store;
    } else if (SCHEME.matcher(store).matches() && !lower.startsWith("mapdb:")) {
      // "foo:bar" is a store URI of a scheme no provider here opens — most likely a typo. Taking it
      // for a file name would create a new store (and KEK) named after the typo.
      String scheme = store.substring(0, store.indexOf(':'));
      throw CliException.config("no storage provider for '" + (Redaction.echoable(scheme) ? scheme : Redaction.HIDDEN)
          + ":' stores in this build of duck (it opens mapdb:, memory: and jdbc: stores; a file whose name has a colon"
          + " is written ./NAME)");
    } else {
      String path = lower.startsWith("mapdb:") ? store.substring("mapdb:".length()) : store;
      if (path.isBlank()) {
        throw CliException.usage("--store names no file");
      }
      try {
        file = path.startsWith("//") ? Path.of(URI.create("file:" + path)) : ctx.resolve(path);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--store is not a valid file path or store URI", e);
      }
      uri = "mapdb:" + file;
    }
    Path kek;
    boolean dflt = false;
    String kekEnv = ctx.getenv(KEK_ENV);
    if (kekOption != null) {
      kek = ctx.resolve(kekOption.toString());
    } else if (kekEnv != null) {
      kek = ctx.resolve(kekEnv);
    } else {
      dflt = true;
      kek = file != null ? file.resolveSibling(file.getFileName() + KEK_SUFFIX) : ctx.resolve(SHARED_DEV_KEK);
    }
    return new StoreChoice(uri, file, kek, dflt);
  }

  /** A URI scheme of two or more characters (a Windows drive letter, {@code C:}, is a path). */
  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]+:.*", Pattern.DOTALL);

  private static boolean otherProviderAccepts(String store) {
    if (!SCHEME.matcher(store).matches()) {
      return false; // a path, or a Windows drive letter ("C:")
    }
    for (StorageProvider p : ServiceLoader.load(StorageProvider.class, StoreChoice.class.getClassLoader())) {
      if (!p.scheme().equals("mapdb") && p.accepts(store)) {
        return true;
      }
    }
    return false;
  }

  /** The store for messages: a file path, or a JDBC URL without credentials or parameters. */
  String describe() {
    return file != null ? file.toString() : redact(uri);
  }

  /**
   * Drops what may carry credentials from a URL: user info before {@code @} and everything from the
   * first {@code ?} or {@code ;} (query parameters, H2 settings such as {@code PASSWORD=}).
   */
  static String redact(String url) {
    String s = url;
    int cut = -1;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '?' || c == ';') {
        cut = i;
        break;
      }
    }
    boolean cutSome = cut >= 0;
    if (cutSome) {
      s = s.substring(0, cut);
    }
    int slashes = s.indexOf("//");
    if (slashes >= 0) {
      int at = s.indexOf('@', slashes + 2);
      int nextSlash = s.indexOf('/', slashes + 2);
      if (at >= 0 && (nextSlash < 0 || at < nextSlash)) {
        s = s.substring(0, slashes + 2) + "***@" + s.substring(at + 1);
      }
    }
    return cutSome ? s + "?…" : s;
  }
}
