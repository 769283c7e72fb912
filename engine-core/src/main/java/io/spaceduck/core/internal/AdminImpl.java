package io.spaceduck.core.internal;

import io.spaceduck.api.Admin;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Permission;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.Role;
import io.spaceduck.api.Tier;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Tables;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The one-time admin bootstrap and signing-key management (C2). */
final class AdminImpl implements Admin {
  static final String BOOTSTRAP_MARKER = "bootstrap";
  private static final Pattern KID = Pattern.compile("[A-Za-z0-9_-]{6}");
  private final Core core;
  private final HatchingImpl hatching;

  AdminImpl(Core core, HatchingImpl hatching) {
    this.core = core;
    this.hatching = hatching;
  }

  @Override
  public HatchResult bootstrap(String displayName, Email email) {
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(email, "email");
    String name = Inputs.name("display_name", displayName);
    String normalised = Inputs.email(email);
    for (int attempt = 1; attempt <= 8; attempt++) {
      if (core.guard(() -> core.storage.auditHead()).isPresent()) {
        throw new Rejected("the store is not empty: bootstrap runs once, on an empty store");
      }
      Instant now = core.now();
      try {
        Optional<HatchResult> r =
            core.guard(
                () ->
                    core.storage.execute(
                        tx -> {
                          if (tx.get(Tables.META, BOOTSTRAP_MARKER).isPresent()) {
                            return Optional.<HatchResult>empty();
                          }
                          tx.insert(Tables.META, new MetaRecord(BOOTSTRAP_MARKER, now.toString()));
                          return hatching.createDuckling(
                              tx, name, normalised, Tier.T2, Set.of(Role.ADMIN), now, AuditAction.ADMIN_BOOTSTRAPPED);
                        }));
        return r.orElseThrow(() -> new Rejected("the store is already bootstrapped"));
      } catch (StorageConflictException raced) {
        // another engine bootstrapped at the same moment: the next round sees it and refuses
      }
    }
    throw new Rejected("the store is already bootstrapped");
  }

  @Override
  public String addSigningKey(BeakKey caller) {
    return core.govern(
        caller,
        Permission.MANAGE_SIGNING_KEYS,
        AuditAction.SIGNING_KEY_ADDED,
        "signing_keyset",
        ctx -> {
          String kid = core.keysets.addSigningKey(ctx.tx);
          ctx.audit("signing_key:" + kid, Optional.empty(), ReasonCode.NONE, Map.of("kid", kid));
          return kid;
        });
  }

  @Override
  public void promoteSigningKey(BeakKey caller, String kid) {
    Objects.requireNonNull(kid, "kid");
    if (!KID.matcher(kid).matches()) {
      throw new InvalidInput("kid", "6 base64url characters");
    }
    core.govern(
        caller,
        Permission.MANAGE_SIGNING_KEYS,
        AuditAction.SIGNING_KEY_PROMOTED,
        "signing_key:" + kid,
        ctx -> {
          if (!core.keysets.promoteSigningKey(ctx.tx, kid)) {
            throw new NotFound("no signing key with this kid");
          }
          ctx.audit("signing_key:" + kid, Optional.empty(), ReasonCode.NONE, Map.of("kid", kid));
          return null;
        });
  }
}
