package io.spaceduck.core.internal;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityKind;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.KeyStatus;
import io.spaceduck.api.Keys;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Permission;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Revocation;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Beak Key rotation, revocation and replacement (K3–K5). */
final class KeysImpl implements Keys {
  private final Core core;

  KeysImpl(Core core) {
    this.core = core;
  }

  /** The target key and its owner, after the governance checks. */
  private record Target(Versioned<KeyRecord> row, KeyInfo info, Versioned<Identity> ownerRow, Optional<String> scope) {
    Identity owner() {
      return ownerRow.value();
    }
  }

  private Target target(Governance.Ctx ctx, KeyId id, boolean adminReplace) {
    Versioned<KeyRecord> row = ctx.tx.get(Tables.KEYS, id.value()).orElseThrow(() -> new NotFound("no such key"));
    KeyInfo info = row.value().info();
    Versioned<Identity> ownerRow =
        ctx.tx.get(Tables.IDENTITIES, info.owner().value()).orElseThrow(() -> new NotFound("no such key"));
    Identity owner = ownerRow.value();
    Optional<String> scope = Governance.scopeOf(owner);
    if (adminReplace) {
      ctx.require(Permission.REPLACE_KEY, id.value(), scope);
    } else if (info.owner().equals(ctx.caller().id())) {
      ctx.require(Permission.MANAGE_OWN_KEYS, id.value(), scope);
    } else {
      if (!Governance.governs(ctx.caller(), owner)) {
        throw ctx.deny("not governed by the caller", id.value(), scope);
      }
      ctx.require(Permission.MANAGE_AGENT_KEYS, id.value(), scope);
    }
    return new Target(row, info, ownerRow, scope);
  }

  @Override
  public IssuedKey rotate(BeakKey caller, KeyId id) {
    Objects.requireNonNull(id, "id");
    return core.governance.govern(
        caller,
        AuditAction.KEY_ROTATED,
        id.value(),
        ctx -> {
          Target t = target(ctx, id, false);
          if (!t.info().owner().equals(ctx.caller().id()) && t.owner().kind() != IdentityKind.AGENT) {
            // K2, K3: rotation hands the caller the new raw key, so another duckling's key is rotated
            // only by its owner; an admin replaces a compromised one (K5), which is audited as such
            throw ctx.deny("only its owner rotates a duckling's key", id.value(), t.scope());
          }
          if (t.info().statusAt(ctx.now) != KeyStatus.ACTIVE) {
            throw new Conflict("only an active key can be rotated");
          }
          Instant graceUntil = ctx.now.plus(core.config.keyRotationGrace());
          ctx.tx.update(Tables.KEYS, t.row(), new KeyRecord(t.info().rotatedAway(graceUntil), t.row().value().mac()));
          IssuedKey fresh = core.issuer.issueKey(ctx.tx, t.info().owner(), t.info().bond(), ctx.now);
          ctx.audit(
              id.value(),
              t.scope(),
              ReasonCode.ROTATION,
              Map.of(
                  "owner", t.info().owner().value(),
                  "new_key_id", fresh.info().id().value(),
                  "grace_until", graceUntil.toString()));
          return fresh;
        });
  }

  @Override
  public KeyInfo revoke(BeakKey caller, KeyId id, ReasonCode reason) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(reason, "reason");
    return core.governance.govern(
        caller,
        AuditAction.KEY_REVOKED,
        id.value(),
        ctx -> {
          Target t = target(ctx, id, false);
          if (t.info().revocation().isPresent()) {
            throw new Conflict("the key is already revoked");
          }
          KeyInfo revoked = t.info().revoked(new Revocation(ctx.caller().id(), ctx.now, reason));
          ctx.tx.update(Tables.KEYS, t.row(), new KeyRecord(revoked, t.row().value().mac()));
          Map<String, String> details = new java.util.HashMap<>(cascade(ctx, t));
          details.put("owner", t.info().owner().value());
          ctx.audit(id.value(), t.scope(), reason, details);
          return revoked;
        });
  }

  @Override
  public IssuedKey replace(BeakKey caller, KeyId id, ReasonCode reason) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(reason, "reason");
    return core.governance.govern(
        caller,
        AuditAction.KEY_REPLACED,
        id.value(),
        ctx -> {
          Target t = target(ctx, id, true);
          if (t.owner().status() != io.spaceduck.api.IdentityStatus.ACTIVE) {
            throw new Conflict("the key's identity is not active");
          }
          // K5 issues a key on the strength of these two reads: they must still hold at commit, so a
          // concurrent block, deletion or bond revocation makes this unit conflict and re-run
          ctx.tx.check(Tables.IDENTITIES, t.ownerRow());
          if (t.info().bond().isPresent()) {
            var bond = ctx.tx.get(Tables.BONDS, t.info().bond().get().value());
            if (bond.isEmpty() || bond.get().value().status() != io.spaceduck.api.BondStatus.ACTIVE) {
              throw new Conflict("the key's bond is revoked");
            }
            ctx.tx.check(Tables.BONDS, bond.get());
          }
          KeyInfo info = t.info();
          if (info.revocation().isEmpty()) {
            info = info.revoked(new Revocation(ctx.caller().id(), ctx.now, reason));
            ctx.tx.update(Tables.KEYS, t.row(), new KeyRecord(info, t.row().value().mac()));
          }
          IssuedKey fresh = core.issuer.issueKey(ctx.tx, info.owner(), info.bond(), ctx.now);
          Map<String, String> details = new java.util.HashMap<>(cascade(ctx, t));
          details.put("owner", info.owner().value());
          details.put("new_key_id", fresh.info().id().value());
          ctx.audit(id.value(), t.scope(), reason, details);
          return fresh;
        });
  }

  /** A revoked agent key closes the agent's open pecks (the key may have opened them). */
  private Map<String, String> cascade(Governance.Ctx ctx, Target t) {
    if (t.owner().kind() != io.spaceduck.api.IdentityKind.AGENT) {
      return Map.of();
    }
    return RevocationCascade.details(RevocationCascade.closeOpenPecks(ctx, t.owner().id(), ReasonCode.KEY_REVOKED));
  }

  @Override
  public List<KeyInfo> list(BeakKey caller, IdentityId owner) {
    Objects.requireNonNull(owner, "owner");
    return core.governance.read(
        caller,
        Permission.READ_SELF,
        a -> {
          if (!owner.equals(a.principal().id())) {
            Identity o =
                core.storage.get(Tables.IDENTITIES, owner.value()).map(Versioned::value).orElseThrow(() -> new NotFound("no such identity"));
            if (!Governance.governs(a.principal(), o)) {
              throw new Forbidden("not governed by the caller");
            }
          }
          return core.storage.findBy(Tables.KEYS_BY_OWNER, owner.value()).stream().map(v -> v.value().info()).toList();
        });
  }
}
