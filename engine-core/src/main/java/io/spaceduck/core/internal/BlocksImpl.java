package io.spaceduck.core.internal;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Block;
import io.spaceduck.api.Blocks;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Permission;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Platform-wide blocks (admin) and operator block lists; every change audited. */
final class BlocksImpl implements Blocks {
  private final Core core;

  BlocksImpl(Core core) {
    this.core = core;
  }

  static Identity withStatus(Identity i, IdentityStatus s) {
    return i instanceof Duckling d ? d.withStatus(s) : ((Agent) i).withStatus(s);
  }

  /** The agents whose pecks a block of {@code target} concerns: itself, or an operator's agents. */
  static List<IdentityId> agentsOf(Governance.Ctx ctx, Identity target) {
    if (target instanceof Agent a) {
      return List.of(a.id());
    }
    List<IdentityId> out = new ArrayList<>();
    for (Versioned<Identity> row : ctx.tx.findBy(Tables.IDENTITIES_BY_OPERATOR, target.id().value())) {
      out.add(row.value().id());
    }
    return out;
  }

  @Override
  public Block blockPlatformWide(BeakKey caller, IdentityId target, ReasonCode reason) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(reason, "reason");
    return core.governance.govern(
        caller,
        Permission.BLOCK_PLATFORM,
        AuditAction.IDENTITY_BLOCKED,
        target.value(),
        ctx -> {
          Versioned<Identity> row =
              ctx.tx.get(Tables.IDENTITIES, target.value()).orElseThrow(() -> new NotFound("no such identity"));
          Identity i = row.value();
          Optional<String> scope = Governance.scopeOf(i);
          if (target.equals(ctx.caller().id())) {
            throw new InvalidInput("target", "an admin cannot block itself");
          }
          if (i.status() != IdentityStatus.ACTIVE) {
            throw new Conflict("the identity is not active");
          }
          ctx.tx.update(Tables.IDENTITIES, row, withStatus(i, IdentityStatus.BLOCKED));
          Block b = new Block(target, Optional.empty(), ctx.caller().id(), ctx.now, reason);
          if (ctx.tx.get(Tables.BLOCKS, Tables.blockKey(Optional.empty(), target)).isPresent()) {
            throw new Conflict("the identity is already blocked");
          }
          ctx.tx.insert(Tables.BLOCKS, b);
          List<String> closed = RevocationCascade.closeOpenPecks(ctx, agentsOf(ctx, i), ReasonCode.BLOCKED, p -> true);
          ctx.audit(target.value(), scope, reason, RevocationCascade.details(closed));
          return b;
        });
  }

  @Override
  public void unblockPlatformWide(BeakKey caller, IdentityId target, ReasonCode reason) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(reason, "reason");
    core.governance.govern(
        caller,
        Permission.BLOCK_PLATFORM,
        AuditAction.IDENTITY_UNBLOCKED,
        target.value(),
        ctx -> {
          Versioned<Identity> row =
              ctx.tx.get(Tables.IDENTITIES, target.value()).orElseThrow(() -> new NotFound("no such identity"));
          Versioned<Block> block =
              ctx.tx.get(Tables.BLOCKS, Tables.blockKey(Optional.empty(), target))
                  .orElseThrow(() -> new Conflict("the identity is not blocked"));
          if (row.value().status() != IdentityStatus.BLOCKED) {
            throw new Conflict("the identity is not blocked");
          }
          ctx.tx.update(Tables.IDENTITIES, row, withStatus(row.value(), IdentityStatus.ACTIVE));
          ctx.tx.delete(Tables.BLOCKS, block);
          ctx.audit(target.value(), Governance.scopeOf(row.value()), reason, Map.of());
          return null;
        });
  }

  @Override
  public Block block(BeakKey caller, IdentityId target, ReasonCode reason) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(reason, "reason");
    return core.governance.govern(
        caller,
        Permission.BLOCK,
        AuditAction.BLOCKLIST_ADDED,
        target.value(),
        ctx -> {
          DucklingId operator = (DucklingId) ctx.caller().id();
          Optional<String> scope = Optional.of(operator.value());
          Identity i =
              ctx.tx.get(Tables.IDENTITIES, target.value()).map(Versioned::value).orElseThrow(() -> new NotFound("no such identity"));
          if (target.equals(operator) || (i instanceof Agent a && a.operator().equals(operator))) {
            throw new InvalidInput("target", "an operator does not block itself or its own agents");
          }
          String key = Tables.blockKey(Optional.of(operator), target);
          if (ctx.tx.get(Tables.BLOCKS, key).isPresent()) {
            throw new Conflict("already on the block list");
          }
          Block b = new Block(target, Optional.of(operator), operator, ctx.now, reason);
          ctx.tx.insert(Tables.BLOCKS, b);
          // cascade: open pecks between the blocked side and this operator's agents close
          List<String> closed =
              RevocationCascade.closeOpenPecks(ctx, agentsOf(ctx, i), ReasonCode.BLOCKED,
                  p -> p.targetOperator().equals(operator) || p.requesterOperator().equals(operator));
          ctx.audit(target.value(), scope, reason, RevocationCascade.details(closed));
          return b;
        });
  }

  @Override
  public void unblock(BeakKey caller, IdentityId target, ReasonCode reason) {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(reason, "reason");
    core.governance.govern(
        caller,
        Permission.BLOCK,
        AuditAction.BLOCKLIST_REMOVED,
        target.value(),
        ctx -> {
          DucklingId operator = (DucklingId) ctx.caller().id();
          Versioned<Block> row =
              ctx.tx.get(Tables.BLOCKS, Tables.blockKey(Optional.of(operator), target))
                  .orElseThrow(() -> new NotFound("not on the block list"));
          ctx.tx.delete(Tables.BLOCKS, row);
          ctx.audit(target.value(), Optional.of(operator.value()), reason, Map.of());
          return null;
        });
  }

  @Override
  public List<Block> list(BeakKey caller) {
    return core.governance.read(
        caller,
        Permission.BLOCK,
        a -> {
          List<Block> out = new ArrayList<>();
          core.storage.findBy(Tables.BLOCKS_BY_OWNER, a.principal().id().value()).forEach(v -> out.add(v.value()));
          if (a.principal().isAdmin()) {
            core.storage.findBy(Tables.BLOCKS_BY_OWNER, Tables.PLATFORM).forEach(v -> out.add(v.value()));
          }
          return out;
        });
  }
}
