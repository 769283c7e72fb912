package io.spaceduck.core.internal;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.Feature;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.Identities;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Permission;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Identity records and tier promotion (SPEC §1, I1, I2, I6, I7). */
final class IdentitiesImpl implements Identities {
  private final Core core;

  IdentitiesImpl(Core core) {
    this.core = core;
  }

  @Override
  public Identity get(BeakKey caller, IdentityId id) {
    Objects.requireNonNull(id, "id");
    return core.governance.read(
        caller,
        Permission.READ_SELF,
        a -> {
          if (id.equals(a.principal().id())) {
            return a.identity();
          }
          Identity i =
              core.storage.get(Tables.IDENTITIES, id.value()).map(Versioned::value).orElseThrow(() -> new NotFound("no such identity"));
          if (!Governance.governs(a.principal(), i)) {
            throw new Forbidden("not governed by the caller");
          }
          return i;
        });
  }

  @Override
  public Duckling requestDeletion(BeakKey caller, io.spaceduck.api.DucklingId target, ReasonCode reason) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(reason, "reason");
    return core.governance.governSerialized(
        caller,
        io.spaceduck.api.AuditAction.IDENTITY_DELETED,
        target.value(),
        p -> target, // writes the duckling's bond fence, as its bonds do: after them in this engine
        ctx -> {
          Optional<String> scope = Optional.of(target.value());
          if (target.equals(ctx.caller().id())) {
            ctx.require(Permission.REQUEST_DELETION, target.value(), scope);
          } else {
            ctx.require(Permission.DELETE_IDENTITY, target.value(), scope);
          }
          Versioned<Identity> row =
              ctx.tx.get(Tables.IDENTITIES, target.value()).orElseThrow(() -> new NotFound("no such identity"));
          if (!(row.value() instanceof Duckling d)) {
            throw new NotFound("no such duckling");
          }
          if (d.status() == IdentityStatus.DELETED) {
            throw new Conflict("the duckling is already deleted");
          }
          // D1: the fence before the bond index below, so a bond committed after that read conflicts
          // with this unit (BondFence)
          BondFence.write(ctx.tx, target, "deleted");
          java.time.Instant now = ctx.now;
          io.spaceduck.api.Revocation revocation =
              new io.spaceduck.api.Revocation(ctx.caller().id(), now, ReasonCode.DELETION_REQUEST);
          // D1: erase the contact; the record stays as a tombstone without email or blind index
          int hatches = 0;
          Optional<Versioned<io.spaceduck.storage.ContactRecord>> contact = ctx.tx.get(Tables.CONTACTS, target.value());
          if (contact.isPresent()) {
            ctx.tx.update(Tables.CONTACTS, contact.get(),
                new io.spaceduck.storage.ContactRecord(target, Optional.empty(), Optional.empty()));
            // D1: and every pending hatch of the same email, so no encrypted copy of it stays behind
            // (ended hatches are deleted when they end, HatchingImpl)
            if (contact.get().value().blindIndex().isPresent()) {
              for (Versioned<io.spaceduck.storage.PendingHatch> h :
                  ctx.tx.findBy(Tables.HATCHES_BY_BLIND_INDEX, contact.get().value().blindIndex().get())) {
                ctx.tx.delete(Tables.HATCHES, h);
                hatches++;
              }
            }
          }
          Duckling deleted = d.withStatus(IdentityStatus.DELETED);
          ctx.tx.update(Tables.IDENTITIES, row, deleted);
          int keys = revokeKeys(ctx, target, revocation);
          int bonds = 0;
          java.util.List<String> closed = new java.util.ArrayList<>();
          for (Versioned<io.spaceduck.api.Bond> b : ctx.tx.findBy(Tables.BONDS_BY_OPERATOR, target.value())) {
            if (b.value().status() == io.spaceduck.api.BondStatus.ACTIVE) {
              ctx.tx.update(Tables.BONDS, b, b.value().revoked(revocation));
              bonds++;
              keys += revokeKeys(ctx, b.value().agent(), revocation);
              closed.addAll(RevocationCascade.closeOpenPecks(ctx, b.value().agent(), ReasonCode.IDENTITY_DELETED));
            }
          }
          Map<String, String> details = new java.util.HashMap<>(RevocationCascade.details(closed));
          details.put("keys_revoked", Integer.toString(keys));
          details.put("bonds_revoked", Integer.toString(bonds));
          if (hatches > 0) {
            details.put("pending_hatches_deleted", Integer.toString(hatches));
          }
          ctx.audit(target.value(), scope, reason, details);
          return deleted;
        });
  }

  private static int revokeKeys(Governance.Ctx ctx, IdentityId owner, io.spaceduck.api.Revocation revocation) {
    int n = 0;
    for (Versioned<io.spaceduck.storage.KeyRecord> k : ctx.tx.findBy(Tables.KEYS_BY_OWNER, owner.value())) {
      io.spaceduck.api.KeyInfo info = k.value().info();
      if (info.revocation().isEmpty()) {
        ctx.tx.update(Tables.KEYS, k, new io.spaceduck.storage.KeyRecord(info.revoked(revocation), k.value().mac()));
        n++;
      }
    }
    return n;
  }

  @Override
  public BirthCertificate promote(BeakKey caller, IdentityId targetId, Tier tier) {
    Objects.requireNonNull(targetId, "target");
    Objects.requireNonNull(tier, "tier");
    return core.governance.govern(
        caller,
        AuditAction.TIER_PROMOTED,
        targetId.value(),
        ctx -> {
          Versioned<Identity> row =
              ctx.tx.get(Tables.IDENTITIES, targetId.value()).orElseThrow(() -> new NotFound("no such identity"));
          Identity target = row.value();
          Optional<String> scope = Governance.scopeOf(target);
          ctx.require(Permission.PROMOTE, targetId.value(), scope);
          if (targetId.equals(ctx.caller().id())) {
            throw ctx.deny("no self-promotion", targetId.value(), scope); // I2
          }
          if (tier == Tier.T3 && !core.config.enabled(Feature.T3_AUTOMATION)) {
            throw ctx.deny("T3 is disabled (feature T3_AUTOMATION is off)", targetId.value(), scope); // I7
          }
          if (target.status() != IdentityStatus.ACTIVE) {
            throw new Conflict("the identity is not active");
          }
          if (!tier.atLeast(target.tier()) || tier == target.tier()) {
            throw new InvalidInput("tier", "must be above the current tier");
          }
          Identity promoted;
          CertId certId = core.randoms.certId();
          Optional<io.spaceduck.api.DucklingId> operator = Optional.empty();
          if (target instanceof Duckling d) {
            if (tier != Tier.T2) {
              throw ctx.deny("a duckling can be promoted to T2 only", targetId.value(), scope);
            }
            promoted = d.withTier(tier, certId);
          } else {
            Agent a = (Agent) target;
            if (!Governance.governs(ctx.caller(), a)) {
              throw ctx.deny("not governed by the caller", targetId.value(), scope); // B3
            }
            // B2: a revoked bond's agent gets no new certificate (as KeysImpl.replace issues it no key);
            // the read condition makes a concurrent revocation re-run this unit
            var bond = ctx.tx.get(Tables.BONDS, a.bond().value());
            if (bond.isEmpty() || bond.get().value().status() != BondStatus.ACTIVE) {
              throw new Conflict("the agent's bond is revoked");
            }
            ctx.tx.check(Tables.BONDS, bond.get());
            Identity op =
                ctx.tx.get(Tables.IDENTITIES, a.operator().value()).map(Versioned::value).orElseThrow(() -> new NotFound("no such operator"));
            boolean allowed = tier == Tier.T3 ? op.tier() == Tier.T2 : op.tier().atLeast(tier);
            if (!allowed) {
              throw ctx.deny("an agent's tier is never above its operator's", targetId.value(), scope); // I1
            }
            operator = Optional.of(a.operator());
            promoted = a.withTier(tier, certId);
          }
          BirthCertificate cert =
              core.issuer.issueCertificate(
                  ctx.tx, certId, targetId, target.displayName(), tier, operator, Optional.of(target.currentCert()), ctx.now);
          ctx.tx.update(Tables.IDENTITIES, row, promoted);
          ctx.audit(
              targetId.value(),
              scope,
              ReasonCode.TIER_CHANGE,
              Map.of("from", target.tier().name(), "to", tier.name(), "cert_id", certId.value(),
                  "supersedes", target.currentCert().value()));
          return cert;
        });
  }
}
