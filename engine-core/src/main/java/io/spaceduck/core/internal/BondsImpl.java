package io.spaceduck.core.internal;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondId;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.Bonds;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Feature;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Permission;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Revocation;
import io.spaceduck.api.Tier;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Agent bonds (B1–B3). */
final class BondsImpl implements Bonds {
  private final Core core;

  BondsImpl(Core core) {
    this.core = core;
  }

  @Override
  public BondResult bond(BeakKey caller, String agentName, Tier tier) {
    Objects.requireNonNull(agentName, "agentName");
    Objects.requireNonNull(tier, "tier");
    return core.governance.governSerialized(
        caller,
        AuditAction.BOND_CREATED,
        "bond",
        Principal::id, // bonds of one operator write its fence: one after another in this engine
        ctx -> {
          Optional<String> scope = Optional.of(ctx.caller().id().value());
          String name = Inputs.name("agent_name", agentName); // after authentication: the key first
          ctx.require(Permission.BOND_AGENT, "bond", scope);
          if (!(ctx.caller().id() instanceof DucklingId operator)) {
            throw ctx.deny("only a duckling operates agents", "bond", scope);
          }
          if (tier == Tier.T3 ? !core.config.enabled(Feature.T3_AUTOMATION) : !ctx.caller().tier().atLeast(tier)) {
            throw ctx.deny("the tier cannot be granted by the caller", "bond", scope); // I1, I7
          }
          BondId bondId = core.randoms.bondId();
          AgentId agentId = core.randoms.agentId();
          CertId certId = core.randoms.certId();
          Agent agent = new Agent(agentId, bondId, operator, name, tier, IdentityStatus.ACTIVE, ctx.now, certId);
          Bond bond = new Bond(bondId, agentId, operator, name, ctx.now, BondStatus.ACTIVE, Optional.empty());
          ctx.tx.insert(Tables.IDENTITIES, agent);
          ctx.tx.insert(Tables.BONDS, bond);
          // D1: a bond also writes its operator's fence, which the operator's deletion writes before it
          // reads the bonds it revokes: a deletion that missed this bond conflicts and re-runs instead
          // of committing past it (a deletion that commits first makes this unit conflict on the
          // operator's identity row, which the frame re-checks)
          BondFence.write(ctx.tx, operator, bondId.value());
          BirthCertificate cert =
              core.issuer.issueCertificate(ctx.tx, certId, agentId, name, tier, Optional.of(operator), Optional.empty(), ctx.now);
          IssuedKey key = core.issuer.issueKey(ctx.tx, agentId, Optional.of(bondId), ctx.now);
          ctx.audit(
              bondId.value(),
              scope,
              ReasonCode.NONE,
              Map.of(
                  "agent_id", agentId.value(),
                  "tier", tier.name(),
                  "cert_id", certId.value(),
                  "key_id", key.info().id().value()));
          return new BondResult(bond, agent, cert, key);
        });
  }

  @Override
  public Bond revoke(BeakKey caller, BondId id, ReasonCode reason) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(reason, "reason");
    return core.governance.govern(
        caller,
        AuditAction.BOND_REVOKED,
        id.value(),
        ctx -> {
          Versioned<Bond> row = ctx.tx.get(Tables.BONDS, id.value()).orElseThrow(() -> new NotFound("no such bond"));
          Bond bond = row.value();
          Optional<String> scope = Optional.of(bond.operator().value());
          ctx.require(Permission.REVOKE_BOND, id.value(), scope);
          if (!ctx.caller().isAdmin() && !bond.operator().equals(ctx.caller().id())) {
            throw ctx.deny("not governed by the caller", id.value(), scope); // B3
          }
          if (bond.status() != BondStatus.ACTIVE) {
            throw new Conflict("the bond is already revoked");
          }
          Revocation revocation = new Revocation(ctx.caller().id(), ctx.now, reason);
          Bond revoked = bond.revoked(revocation);
          ctx.tx.update(Tables.BONDS, row, revoked);
          int keys = 0;
          for (Versioned<KeyRecord> k : ctx.tx.findBy(Tables.KEYS_BY_OWNER, bond.agent().value())) {
            KeyInfo info = k.value().info();
            if (info.revocation().isEmpty()) {
              Revocation r = new Revocation(ctx.caller().id(), ctx.now, ReasonCode.BOND_REVOKED);
              ctx.tx.update(Tables.KEYS, k, new KeyRecord(info.revoked(r), k.value().mac()));
              keys++;
            }
          }
          Map<String, String> details =
              new java.util.HashMap<>(RevocationCascade.details(RevocationCascade.closeOpenPecks(ctx, bond.agent(), ReasonCode.BOND_REVOKED)));
          details.put("agent_id", bond.agent().value());
          details.put("keys_revoked", Integer.toString(keys));
          ctx.audit(id.value(), scope, reason, details);
          return revoked;
        });
  }

  @Override
  public Bond get(BeakKey caller, BondId id) {
    Objects.requireNonNull(id, "id");
    return core.governance.read(
        caller,
        Permission.READ_SELF,
        a -> {
          Bond b = core.storage.get(Tables.BONDS, id.value()).map(Versioned::value).orElseThrow(() -> new NotFound("no such bond"));
          var p = a.principal();
          if (!p.isAdmin() && !b.operator().equals(p.id()) && !b.agent().equals(p.id())) {
            throw new Forbidden("not governed by the caller");
          }
          return b;
        });
  }

  @Override
  public List<Bond> list(BeakKey caller) {
    return core.governance.read(
        caller,
        Permission.READ_SELF,
        a -> core.storage.findBy(Tables.BONDS_BY_OPERATOR, a.principal().id().value()).stream().map(Versioned::value).toList());
  }
}
