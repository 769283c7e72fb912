package io.spaceduck.cli;

import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.SpaceDuckBuilder;
import io.spaceduck.api.VerificationDelivery;
import io.spaceduck.api.spi.HumanCheck;
import io.spaceduck.api.spi.KekSource;
import io.spaceduck.core.DevelopmentKek;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageProvider;
import io.spaceduck.storage.Storages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The root command. Holds the options every command accepts (before or after its name): the store,
 * the KEK file, the caller's key file, {@code --json} and {@code --debug}; and opens the engine for
 * the command that runs.
 */
@Command(
    name = "duck",
    mixinStandardHelpOptions = true,
    // every subcommand inherits -h/--help (and -V/--version): `duck init --help` answers before
    // picocli checks init's required options
    scope = ScopeType.INHERIT,
    versionProvider = VersionProvider.class,
    usageHelpAutoWidth = true,
    description = {
      "The Space Duck Trust Engine at a terminal: hatch ducklings, bond agents, manage Beak Keys,",
      "run the Peck Protocol, read and verify the audit chain. Try: duck demo",
    },
    subcommands = {
      HelpCommand.class,
      InitCommand.class,
      DemoCommand.class,
      WhoamiCommand.class,
      HatchCommand.class,
      BondCommand.class,
      BondsCommand.class,
      UnbondCommand.class,
      PromoteCommand.class,
      KeyCommand.class,
      PeckCommand.class,
      SessionCommand.class,
      PulseCommand.class,
      PulsesCommand.class,
      StaleCommand.class,
      BlockCommand.class,
      UnblockCommand.class,
      BlocksCommand.class,
      DeleteIdentityCommand.class,
      CertCommand.class,
      JwksCommand.class,
      AuditCommand.class,
      ServeCommand.class,
    },
    footerHeading = "%nEnvironment:%n",
    footer = {
      "  SPACEDUCK_STORE      the store when --store is not given (default ./spaceduck.db)",
      "  SPACEDUCK_KEK_FILE   the KEK file when --kek-file is not given",
      "  SPACEDUCK_KEY        the caller's Beak Key when --key-file is not given",
      "  SPACEDUCK_CHALLENGE  if set, hatch start --challenge must equal it",
      "",
      "Exit codes: 0 ok, 1 internal error, 2 usage, 3 unauthenticated, 4 forbidden, 5 not found,",
      "6 conflict, 7 rejected, 8 invalid input, 9 rate limited, 10 store unavailable,",
      "11 audit chain broken, 12 configuration. See docs/cli.md.",
    })
final class DuckCommand implements Callable<Integer> {
  final Context ctx;

  @Spec CommandSpec spec;

  @Option(
      names = "--store",
      scope = ScopeType.INHERIT,
      converter = Converters.Store.class,
      paramLabel = "PATH|URL",
      description = "MapDB store file, or a jdbc:postgresql:, jdbc:mariadb: or jdbc:h2: URL (default: $SPACEDUCK_STORE, else ./spaceduck.db)")
  @Nullable String store;

  @Option(
      names = "--kek-file",
      scope = ScopeType.INHERIT,
      converter = Converters.FilePath.class, paramLabel = "FILE",
      description = "key-encryption key file (default: $SPACEDUCK_KEK_FILE, else a development KEK beside the store)")
  @Nullable Path kekFile;

  @Option(
      names = "--key-file",
      scope = ScopeType.INHERIT,
      converter = Converters.FileName.class, paramLabel = "FILE",
      description = "file holding the caller's Beak Key, - for standard input (default: $SPACEDUCK_KEY)")
  @Nullable String keyFile;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "print results as JSON (one object or array per line)")
  boolean json;

  @Option(names = "--debug", scope = ScopeType.INHERIT, description = "print stack traces of internal errors")
  boolean debug;

  /** Read by {@link Main} before anything logs (the logging levels are fixed then); declared here for parsing and help. */
  @Option(names = "--verbose", scope = ScopeType.INHERIT,
      description = "also print the engine's informational log lines on stderr (default: warnings only)")
  boolean verbose;

  DuckCommand(Context ctx) {
    this.ctx = ctx;
  }

  /** {@code duck} alone: the usage, and exit 2 (a command is required). */
  @Override
  public Integer call() {
    spec.commandLine().usage(ctx.err());
    return ExitCodes.USAGE;
  }

  /** The store and KEK this run uses. */
  StoreChoice storeChoice() {
    return StoreChoice.resolve(ctx, store, kekFile);
  }

  /** Opens the engine on an existing store with duck's own hatch SPIs (see {@link HatchSpi}). */
  SpaceDuck open() {
    return open(HatchSpi.humanCheck(ctx), HatchSpi.stderrDelivery(ctx), b -> {});
  }

  /**
   * Opens the engine on the chosen store, which must exist, and its KEK.
   *
   * @throws CliException (config) if no provider opens the store URI, or the KEK cannot be used;
   *     (unavailable) if the store does not exist
   */
  SpaceDuck open(HumanCheck check, VerificationDelivery delivery, Consumer<SpaceDuckBuilder> customise) {
    StoreChoice choice = storeChoice();
    return open(choice, check, delivery, customise, true, false);
  }

  /**
   * As {@link #open(HumanCheck, VerificationDelivery, Consumer)} on an explicit choice. Only
   * {@code create} (init, demo) may make a new store — and with it, for a development KEK, a new KEK
   * file; every other command refuses a store that is not there (exit 10) before anything is
   * written, so a mistyped {@code --store} creates nothing.
   */
  SpaceDuck open(StoreChoice choice, HumanCheck check, VerificationDelivery delivery, Consumer<SpaceDuckBuilder> customise,
      boolean warn, boolean create) {
    requireProvider(choice);
    requireStore(choice, create);
    Storage existing = create ? null : openExistingDatabase(choice);
    try {
      KekSource kek = kek(choice, warn);
      SpaceDuckBuilder b = SpaceDuck.builder();
      if (existing != null) {
        b.storage(existing);
      } else {
        b.storageUri(choice.uri());
      }
      b.kek(kek).clock(ctx.clock()).humanCheck(check).verificationDelivery(delivery);
      customise.accept(b);
      return b.build();
    } catch (RuntimeException | Error e) {
      if (existing != null) {
        existing.close(); // idempotent: the builder may have closed it already
      }
      throw e;
    }
  }

  /**
   * A JDBC store for a command that must not create one: opened without migration, so a database
   * without the Space Duck schema is refused instead of getting one (and, on a new store, keysets),
   * and an H2 file URL with {@code IFEXISTS=TRUE}, so a mistyped path creates no database file.
   * Null for other stores ({@link #requireStore} checked those).
   *
   * @throws CliException exit 10 (unavailable) if there is no such store or it cannot be reached
   */
  private static @Nullable Storage openExistingDatabase(StoreChoice choice) {
    String uri = choice.uri();
    String lower = uri.toLowerCase(java.util.Locale.ROOT);
    if (!lower.startsWith("jdbc:")) {
      return null;
    }
    if (lower.startsWith("jdbc:h2:") && !lower.startsWith("jdbc:h2:mem:") && !lower.contains("ifexists=")) {
      uri = uri + ";IFEXISTS=TRUE";
    }
    // one plain connection first: a database that is not there is a definite answer, which the pool
    // would otherwise retry for its whole connect timeout
    try (java.sql.Connection probe = java.sql.DriverManager.getConnection(uri)) {
      probe.isValid(1);
    } catch (java.sql.SQLException e) {
      String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw CliException.exit(ExitCodes.UNAVAILABLE, "unavailable: no Space Duck store at " + choice.describe()
          + " (cannot connect: " + (reason.length() > 200 ? reason.substring(0, 200) + "…" : reason)
          + "; duck init creates one; check --store or " + StoreChoice.STORE_ENV + ")");
    }
    try {
      return Storages.open(uri, Map.of("migrate", "false"));
    } catch (StorageException e) {
      throw CliException.exit(ExitCodes.UNAVAILABLE, "unavailable: no Space Duck store at " + choice.describe()
          + " (" + e.getMessage() + "; duck init creates one; check --store or " + StoreChoice.STORE_ENV + ")");
    }
  }

  private static void requireProvider(StoreChoice choice) {
    for (StorageProvider p : ServiceLoader.load(StorageProvider.class, DuckCommand.class.getClassLoader())) {
      if (p.accepts(choice.uri())) {
        return;
      }
    }
    int colon = choice.uri().indexOf(':');
    String scheme = choice.uri().substring(0, colon < 0 ? choice.uri().length() : colon);
    throw CliException.config(
        "no storage provider for '" + scheme + ":' stores in this build of duck"
            + (scheme.equalsIgnoreCase("jdbc") ? " (JDBC stores need the storage-jdbc module on the class path)" : ""));
  }

  /**
   * A MapDB store must exist unless this command creates one, and its directory must exist either
   * way; a {@code memory:} store is new in every run, so only a creating command can use it. A JDBC
   * store is a database that exists or not: its provider reports that when it connects.
   */
  private static void requireStore(StoreChoice choice, boolean create) {
    Path file = choice.file();
    if (file == null) {
      if (!create && choice.uri().toLowerCase(java.util.Locale.ROOT).startsWith("memory:")) {
        throw CliException.exit(ExitCodes.UNAVAILABLE,
            "unavailable: a memory: store is new and empty in every run; only init and demo can use one");
      }
      return;
    }
    Path dir = file.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw CliException.exit(ExitCodes.UNAVAILABLE, "unavailable: no such directory " + dir + " for the store " + file);
    }
    if (!create && !Files.isRegularFile(file)) {
      throw CliException.exit(ExitCodes.UNAVAILABLE, "unavailable: no store at " + file
          + " (duck init creates one; check --store or " + StoreChoice.STORE_ENV + ")");
    }
  }

  private KekSource kek(StoreChoice choice, boolean warn) {
    Path kekPath = choice.kekFile();
    if (!Files.exists(kekPath) && choice.file() != null && nonEmpty(choice.file())) {
      throw CliException.config(
          "the store " + choice.describe() + " exists but its KEK file " + kekPath + " does not; a new KEK cannot open it"
              + " (name the right one with --kek-file or " + StoreChoice.KEK_ENV + ")");
    }
    if (choice.defaultKek() && warn) {
      ctx.err().println(
          "duck: warning: using the development KEK " + kekPath + " (a plaintext key file, created if missing);"
              + " set " + StoreChoice.KEK_ENV + " or --kek-file, and back it up apart from the store");
    }
    try {
      return DevelopmentKek.fromFile(kekPath);
    } catch (SecurityException e) {
      throw CliException.config(e.getMessage()); // a too-open KEK file: the message says how to fix it
    } catch (UncheckedIOException e) {
      throw CliException.config("cannot read or create the KEK file " + kekPath, e);
    } catch (IllegalArgumentException e) {
      throw CliException.config("the KEK file " + kekPath + " is not a Tink AEAD keyset", e);
    }
  }

  private static boolean nonEmpty(Path file) {
    try {
      return Files.isRegularFile(file) && Files.size(file) > 0;
    } catch (IOException e) {
      return false;
    }
  }
}
