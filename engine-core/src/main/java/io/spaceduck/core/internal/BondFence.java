package io.spaceduck.core.internal;

import io.spaceduck.api.DucklingId;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.util.Optional;

/**
 * An operator's bond fence (D1): one row of the {@code meta} table per operator, written by every bond
 * of the operator and by its deletion, and by nothing else.
 *
 * <p>Why a row at all. A deletion request revokes the bonds that its read of the operator's bond index
 * finds. A bond that commits after that read and before the deletion's commit is not among them, and
 * a store checks written rows, not index reads: unless the bond wrote a row the deletion also writes,
 * both would commit and the bond would outlive its operator. The deletion writes the fence before it
 * reads the index, so such a bond makes it conflict and re-run (and find the bond); a bond that comes
 * after the deletion's commit conflicts on the operator's identity row, which every governance unit
 * re-checks (see {@link Governance}).
 *
 * <p>Why not the operator's identity row. Every governance action of the operator, and every peck step
 * of its agents, re-checks that row: were bonds to write it, a host bonding while it rotates or
 * revokes keys for the same operator would see those actions conflict. The fence is read by nobody
 * else, so only bonds of one operator contend on it, and {@link Governance#governSerialized} runs those
 * one after another within an engine.
 *
 * <p>The row's value names the last writer (a bond id, or {@code deleted}); only its version matters.
 */
final class BondFence {
  private static final String PREFIX = "bond-fence:";

  private BondFence() {}

  /** Writes {@code operator}'s fence (insert or update), conflicting with any unit that writes it too. */
  static void write(Transaction tx, DucklingId operator, String writer) {
    String name = PREFIX + operator.value();
    Optional<Versioned<MetaRecord>> row = tx.get(Tables.META, name);
    MetaRecord next = new MetaRecord(name, writer);
    if (row.isPresent()) {
      tx.update(Tables.META, row.get(), next);
    } else {
      tx.insert(Tables.META, next);
    }
  }
}
