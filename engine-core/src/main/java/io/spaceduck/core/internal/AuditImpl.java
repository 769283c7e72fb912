package io.spaceduck.core.internal;

import io.spaceduck.api.Audit;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.ConsistencyProof;
import io.spaceduck.api.InclusionProof;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SignedCheckpoint;
import io.spaceduck.api.Unavailable;
import java.util.Map;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditPage;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Permission;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.CorruptAuditEventException;
import io.spaceduck.storage.Storage;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/** Reads and verification of the audit chain (A3, A4). */
final class AuditImpl implements Audit {
  static final int VERIFY_PAGE = 2000;
  private final Core core;

  AuditImpl(Core core) {
    this.core = core;
  }

  @Override
  public AuditPage read(BeakKey caller, AuditQuery q) {
    Objects.requireNonNull(q, "query");
    return core.governance.read(
        caller,
        Permission.READ_AUDIT,
        a -> {
          Optional<String> visibleTo = a.principal().isAdmin() ? Optional.empty() : Optional.of(a.principal().id().value());
          AuditFilter filter = new AuditFilter(visibleTo, q.action(), q.actor(), q.resource(), q.from(), q.to());
          List<AuditEvent> events = core.storage.auditQuery(filter, q.afterSeq(), q.limit());
          OptionalLong next =
              events.size() == q.limit() ? OptionalLong.of(events.get(events.size() - 1).seq()) : OptionalLong.empty();
          return new AuditPage(events, next);
        });
  }

  @Override
  public AuditVerification verify(BeakKey caller) {
    // The store's own head record is the expected head: a store that keeps it apart from the events
    // (JDBC: sd_audit_head) then also catches events deleted from the tail. Read before the scan, so
    // appends during the scan cannot make it look truncated.
    return core.governance.read(caller, Permission.VERIFY_AUDIT, a -> verifyWithTree(core.storage.auditHead()));
  }

  @Override
  public AuditVerification verify(BeakKey caller, AuditHead expected) {
    Objects.requireNonNull(expected, "expected");
    return core.governance.read(caller, Permission.VERIFY_AUDIT, a -> verifyWithTree(Optional.of(expected)));
  }

  /** A3, and the tree against the kept checkpoint and the store's own tree nodes. */
  private AuditVerification verifyWithTree(Optional<AuditHead> expected) {
    return core.transparency.verify(() -> pages(core.storage), expected, AuditChain::verify);
  }

  @Override
  public SignedCheckpoint checkpoint(BeakKey caller) {
    return core.governance.read(caller, Permission.READ_AUDIT, a -> tree(core.transparency::checkpointAndKeep));
  }

  @Override
  public InclusionProof inclusionProof(BeakKey caller, long seq, long treeSize) {
    return core.governance.read(
        caller,
        Permission.READ_AUDIT,
        a -> {
          long size = core.transparency.size();
          if (treeSize < 1 || treeSize > size) {
            throw new InvalidInput("tree_size", "between 1 and the current size " + size);
          }
          if (seq < 1 || seq > treeSize) {
            throw new InvalidInput("seq", "between 1 and the tree size " + treeSize);
          }
          AuditEvent e = core.storage.auditRange(seq, 1).get(0);
          if (!a.principal().isAdmin()) {
            AuditFilter own = new AuditFilter(Optional.of(a.principal().id().value()), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty());
            if (!own.matches(e)) {
              throw new NotFound("no audit event at this seq visible to the caller");
            }
          }
          return tree(() -> core.transparency.inclusion(e, treeSize));
        });
  }

  @Override
  public ConsistencyProof consistencyProof(BeakKey caller, long oldSize, long newSize) {
    return core.governance.read(
        caller,
        Permission.READ_AUDIT,
        a -> {
          long size = core.transparency.size();
          if (newSize < 0 || newSize > size) {
            throw new InvalidInput("new_size", "between 0 and the current size " + size);
          }
          if (oldSize < 0 || oldSize > newSize) {
            throw new InvalidInput("old_size", "between 0 and the new size " + newSize);
          }
          return tree(() -> core.transparency.consistency(oldSize, newSize));
        });
  }

  @Override
  public List<String> verifierKeys() {
    return core.failClosed.guard(core.transparency::verifierKeys);
  }

  @Override
  public String rotateCheckpointKey(BeakKey caller) {
    return core.governance.govern(
        caller,
        Permission.MANAGE_SIGNING_KEYS,
        AuditAction.CHECKPOINT_KEY_ROTATED,
        "checkpoint_keyset",
        ctx -> {
          byte[] pub = core.keysets.rotateCheckpointKey(ctx.tx);
          NoteCrypto.VerifierKey vkey = NoteCrypto.verifierKey(core.transparency.origin(), NoteCrypto.ED25519, pub);
          String keyId = String.format("%08x", vkey.keyId());
          ctx.audit("checkpoint_key:" + keyId, Optional.empty(), ReasonCode.NONE, Map.of("key_id", keyId));
          return vkey.format();
        });
  }

  /** A tree read; a store whose tree nodes are missing or disagree fails closed. */
  private <T> T tree(java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (Transparency.Inconsistent e) {
      throw new Unavailable("the store's audit tree is inconsistent: " + e.getMessage());
    }
  }

  /** Verifies the whole chain of {@code storage}, page by page (A3). */
  static AuditVerification verify(Storage storage, Optional<AuditHead> expected) {
    return AuditChain.verify(pages(storage), expected);
  }

  /**
   * All events in seq order, read lazily in pages. A page holding an event the store cannot decode
   * canonically fails as a whole; the pages are then re-read one event at a time, so that every event
   * before the undecodable one is verified and the latter surfaces ({@link CorruptAuditEventException})
   * exactly at its position (A3).
   */
  static Iterator<AuditEvent> pages(Storage storage) {
    return new Iterator<>() {
      private List<AuditEvent> page = List.of();
      private int i;
      private long nextSeq = 1;
      private boolean done;
      private int pageSize = VERIFY_PAGE;

      @Override
      public boolean hasNext() {
        if (i < page.size()) {
          return true;
        }
        if (done) {
          return false;
        }
        page = read();
        i = 0;
        if (page.size() < pageSize) {
          done = true;
        }
        if (!page.isEmpty()) {
          nextSeq = page.get(page.size() - 1).seq() + 1;
        }
        return !page.isEmpty();
      }

      private List<AuditEvent> read() {
        try {
          return storage.auditRange(nextSeq, pageSize);
        } catch (CorruptAuditEventException c) {
          if (pageSize == 1) {
            throw c;
          }
          pageSize = 1; // only after tampering: the verification stops at the first broken link anyway
          return storage.auditRange(nextSeq, pageSize);
        }
      }

      @Override
      public AuditEvent next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return page.get(i++);
      }
    };
  }
}
