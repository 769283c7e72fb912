package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duck key rotate|revoke|replace|list} (K3–K5). New keys are shown once. */
@Command(name = "key", description = "Manage Beak Keys: rotate (K3), revoke (K4), replace (K5, admin), list.")
final class KeyCommand extends Group {
  @Command(
      name = "rotate",
      description = {
        "Issue a new key for the identity (or bond) of KEY_ID (default: the caller's own key).",
        "The old key keeps working for the grace period (15 min), then never again (K3).",
      })
  int rotate(
      @Parameters(paramLabel = "KEY_ID", arity = "0..1", converter = Converters.Key.class,
              description = "the key to rotate away (default: the caller's own)")
          @Nullable KeyId target,
      @Option(names = "--key-out", converter = Converters.FilePath.class, paramLabel = "FILE", description = "write the new key to FILE (mode 600) instead of printing it")
          @Nullable Path keyOut) {
    BeakKey key = callerKey();
    if (keyOut != null) {
      SecretIo.checkWritable(ctx(), keyOut);
    }
    try (SpaceDuck duck = open()) {
      Principal me = duck.authenticate(key);
      KeyId old = target != null ? target : me.keyId();
      IssuedKey issued;
      try {
        issued = duck.keys().rotate(key, old);
      } catch (Forbidden refused) {
        if (me.tier() == Tier.T0 && old.equals(me.keyId())) {
          // the engine's "not permitted by policy" leaves an Egg's operator guessing what to do
          throw CliException.exit(ExitCodes.FORBIDDEN, "forbidden: an Egg (T0) may only pulse and read its own record, so it"
              + " cannot rotate its own key; its operator can: duck key rotate " + old.value() + " --key-file <the operator's key file>"
              + (me.operator().isPresent() ? " (operator " + me.operator().get().value() + ")" : ""));
        }
        throw refused;
      }
      Json j = Render.key(issued.info(), now());
      List<KeyInfo> keys = duck.keys().list(key, issued.info().owner());
      keys.stream().filter(k -> k.id().equals(old)).findFirst()
          .ifPresent(k -> j.put("old_key_id", old.value()).put("old_key_grace_until", k.graceUntil()));
      secret(j, "key", issued.key().reveal(), keyOut, "new key");
      emit(j);
      return ExitCodes.OK;
    }
  }

  @Command(name = "revoke", description = "Revoke a key (K4): its very next call fails, on every engine sharing the store.")
  int revoke(
      @Parameters(paramLabel = "KEY_ID", converter = Converters.Key.class) KeyId target,
      @Option(names = "--reason", defaultValue = "operator_request", converter = Converters.Reason.class,
              description = "reason code (default: ${DEFAULT-VALUE})")
          ReasonCode reason) {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      KeyInfo k = duck.keys().revoke(key, target, reason);
      done("revoked key " + k.id().value() + " of " + k.owner().value() + " (reason " + reason + ")", Render.key(k, now()));
      return ExitCodes.OK;
    }
  }

  @Command(name = "replace", description = "Admin: revoke a compromised key and issue its replacement in one action (K5).")
  int replace(
      @Parameters(paramLabel = "KEY_ID", converter = Converters.Key.class) KeyId target,
      @Option(names = "--reason", defaultValue = "compromised", converter = Converters.Reason.class,
              description = "reason code (default: ${DEFAULT-VALUE})")
          ReasonCode reason,
      @Option(names = "--key-out", converter = Converters.FilePath.class, paramLabel = "FILE", description = "write the new key to FILE (mode 600) instead of printing it")
          @Nullable Path keyOut) {
    BeakKey key = callerKey();
    if (keyOut != null) {
      SecretIo.checkWritable(ctx(), keyOut);
    }
    try (SpaceDuck duck = open()) {
      IssuedKey issued = duck.keys().replace(key, target, reason);
      Json j = Render.key(issued.info(), now()).put("replaces", target.value());
      secret(j, "key", issued.key().reveal(), keyOut, "new key");
      emit(j);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "list",
      description = {
        "List the keys of an identity (default: the caller). Never shows a secret.",
        "One line each: <key_id> <status> created <time>, then 'revoked <time> by <id> reason <code>'",
        "for a revoked key, 'grace until <time>' for a rotated one.",
      })
  int list(
      @Parameters(paramLabel = "OWNER_ID", arity = "0..1", converter = Converters.Identity.class) @Nullable IdentityId owner) {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      IdentityId who = owner != null ? owner : duck.authenticate(key).id();
      List<KeyInfo> keys = duck.keys().list(key, who);
      emitList(keys, k -> Render.key(k, now()), k -> Render.keyLine(k, now()), "no keys");
      return ExitCodes.OK;
    }
  }
}
