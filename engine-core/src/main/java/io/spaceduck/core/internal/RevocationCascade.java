package io.spaceduck.core.internal;

import io.spaceduck.api.IdentityId;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The peck cascade of a revocation (K4, B2, D1, and the blocks of P2): when a key or bond is revoked,
 * an identity deleted or a caller blocked, the open pecks of the agents concerned are closed in the
 * same unit, so that their sessions fail at once (P5). The closed pecks get no audit event of their
 * own: the one event of the causing action (I4) names them ({@link #details}).
 */
final class RevocationCascade {
  private static final List<Index<Peck>> SIDES = List.of(Tables.PECKS_BY_REQUESTER, Tables.PECKS_BY_TARGET);

  private RevocationCascade() {}

  /**
   * Closes every open peck of {@code agent} inside the unit; the closed pecks are notified after
   * commit. Returns their ids.
   */
  static List<String> closeOpenPecks(Governance.Ctx ctx, IdentityId agent, ReasonCode reason) {
    return closeOpenPecks(ctx, agent, reason, p -> true);
  }

  /** As above, for the open pecks of {@code agent} that {@code which} selects. */
  static List<String> closeOpenPecks(Governance.Ctx ctx, IdentityId agent, ReasonCode reason, Predicate<Peck> which) {
    List<String> closed = new ArrayList<>();
    for (Index<Peck> index : SIDES) {
      for (Versioned<Peck> row : ctx.tx.findBy(index, agent.value())) {
        Peck p = row.value();
        if (!p.state().isFinal() && which.test(p) && !closed.contains(p.id().value())) {
          PeckTransitions.write(ctx, row, p.ended(PeckState.CLOSED, ctx.caller().id().value(), reason, Optional.empty()));
          closed.add(p.id().value());
        }
      }
    }
    return closed;
  }

  /** As above, for the open pecks of each of {@code agents} in turn; returns all their ids. */
  static List<String> closeOpenPecks(
      Governance.Ctx ctx, List<IdentityId> agents, ReasonCode reason, Predicate<Peck> which) {
    List<String> closed = new ArrayList<>();
    for (IdentityId agent : agents) {
      closed.addAll(closeOpenPecks(ctx, agent, reason, which));
    }
    return closed;
  }

  /** Audit details naming cascaded pecks: their count and (up to 1 KiB of) their ids. */
  static Map<String, String> details(List<String> closedPecks) {
    if (closedPecks.isEmpty()) {
      return Map.of();
    }
    StringBuilder ids = new StringBuilder();
    for (String id : closedPecks) {
      if (ids.length() + id.length() + 1 > 1000) {
        ids.append(",…");
        break;
      }
      ids.append(ids.length() == 0 ? "" : ",").append(id);
    }
    return Map.of("pecks_closed", Integer.toString(closedPecks.size()), "peck_ids", ids.toString());
  }
}
