package io.spaceduck.cli;

import io.spaceduck.api.Email;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.SpaceDuck;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code duck init}: creates the store, the engine's keysets and the first admin (one-time bootstrap). */
@Command(
    name = "init",
    description = {
      "Create the store, its keysets and the first admin (a T2 duckling with the admin role).",
      "Prints the admin key once; refuses (exit 7) on a store that is already initialised.",
    })
final class InitCommand extends Base implements Callable<Integer> {
  @Option(names = "--name", converter = Converters.Text.class, defaultValue = "Admin", description = "the admin's display name (default: ${DEFAULT-VALUE})")
  String name;

  @Option(names = "--email", required = true, converter = Converters.EmailText.class, description = "the admin's email (stored encrypted)")
  String email;

  @Option(names = "--key-out", converter = Converters.FilePath.class, paramLabel = "FILE", description = "write the admin key to FILE (mode 600) instead of printing it")
  @Nullable Path keyOut;

  @Override
  public Integer call() {
    if (keyOut != null) {
      SecretIo.checkWritable(ctx(), keyOut);
    }
    StoreChoice choice = root().storeChoice();
    try (SpaceDuck duck = root().open(choice, HatchSpi.humanCheck(ctx()), HatchSpi.stderrDelivery(ctx()), b -> {}, true, true)) {
      HatchResult r = duck.admin().bootstrap(name, Email.of(email));
      Json j = Json.obj();
      secret(j, "admin_key", r.key().key().reveal(), keyOut, "admin key");
      j.put("admin_id", r.duckling().id().value())
          .put("display_name", r.duckling().displayName())
          .put("tier", r.duckling().tier().name())
          .put("roles", List.of("admin"))
          .put("cert_id", r.certificate().id().value())
          .put("key_id", r.key().info().id().value())
          .put("store", choice.describe())
          .put("kek_file", choice.kekFile().toString());
      emit(j);
      if (!json()) {
        err().println(keyOut != null
            ? "duck: next: pass --key-file " + keyOut + " to act as the admin"
            : "duck: next: keep the key in a file only you can read and pass --key-file FILE, or export " + SecretIo.KEY_ENV);
      }
      return ExitCodes.OK;
    }
  }
}
