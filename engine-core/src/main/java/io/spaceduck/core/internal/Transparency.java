package io.spaceduck.core.internal;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditTree;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Checkpoint;
import io.spaceduck.api.ConsistencyProof;
import io.spaceduck.api.Hash;
import io.spaceduck.api.InclusionProof;
import io.spaceduck.api.SignedCheckpoint;
import io.spaceduck.api.SignedNote;
import io.spaceduck.api.spi.CheckpointKeeper;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit tree made transparent: signed C2SP checkpoints, RFC 9162 proofs, and the checkpoint kept
 * outside the store ({@code docs/transparency.md}). Proofs and roots read the store's tree nodes
 * ({@link Storage#auditSubtree}); {@link #verify} recomputes the tree from the events themselves.
 *
 * <p>Thread-safe; {@link #keep} is serialized so the kept checkpoint only ever grows.
 */
final class Transparency {
  private static final Logger log = LoggerFactory.getLogger(Transparency.class);
  /** The {@code meta} row holding the default origin, made once per store. */
  static final String ORIGIN_ROW = "audit_origin";
  static final String ORIGIN_PREFIX = "spaceduck/audit/";

  private final Storage storage;
  private final EngineKeysets keysets;
  private final Optional<CheckpointKeeper> keeper;
  private final String origin;
  /** When {@link #verify} shares its work with a second thread; tests lower it (package-private knob). */
  volatile TreeTap.Pipeline pipeline = TreeTap.Pipeline.DEFAULT;

  /** A refusal of the store because its tree does not extend the kept checkpoint; the message says how. */
  static final class Inconsistent extends RuntimeException {
    Inconsistent(String message) {
      super(message);
    }
  }

  Transparency(Storage storage, EngineKeysets keysets, Optional<CheckpointKeeper> keeper, Optional<String> origin, Randoms randoms) {
    this.storage = storage;
    this.keysets = keysets;
    this.keeper = keeper;
    this.origin = origin.orElseGet(() -> defaultOrigin(storage, randoms));
  }

  private static String defaultOrigin(Storage storage, Randoms randoms) {
    for (int attempt = 0; attempt < 5; attempt++) {
      Optional<Versioned<MetaRecord>> row = storage.get(Tables.META, ORIGIN_ROW);
      if (row.isPresent()) {
        return row.get().value().value();
      }
      String fresh = ORIGIN_PREFIX + randoms.base32(10);
      try {
        storage.execute(tx -> {
          tx.insert(Tables.META, new MetaRecord(ORIGIN_ROW, fresh));
          return null;
        });
        return fresh;
      } catch (StorageConflictException raced) {
        // another instance made it first: read theirs
      }
    }
    throw new IllegalStateException("the audit origin could not be created");
  }

  String origin() {
    return origin;
  }

  Optional<CheckpointKeeper> keeper() {
    return keeper;
  }

  long size() {
    return storage.auditHead().map(AuditHead::seq).orElse(0L);
  }

  private AuditTree.Subtrees subtrees() {
    return (level, index) -> storage.auditSubtree(level, index).orElseThrow(
        () -> new Inconsistent("the store's audit tree lacks node (" + level + ", " + index + ") of its own events"));
  }

  Hash root(long size) {
    return AuditTree.root(size, subtrees());
  }

  /** The vkeys of the checkpoint keyset, the primary first. */
  List<String> verifierKeys() {
    List<String> out = new ArrayList<>();
    for (byte[] pub : keysets.checkpointKeys().publicKeys()) {
      out.add(NoteCrypto.verifierKey(origin, NoteCrypto.ED25519, pub).format());
    }
    return List.copyOf(out);
  }

  /** Signs a checkpoint of the tree at {@code size} (at most the current size). */
  SignedCheckpoint sign(long size) {
    Checkpoint cp = new Checkpoint(origin, size, root(size));
    EngineKeysets.CheckpointKeys keys = keysets.checkpointKeys();
    byte[] pub = keys.publicKeys().get(0);
    byte[] sig;
    try {
      sig = keys.signer().sign(cp.body().getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new EngineKeysets.KeysetException("cannot sign a checkpoint", e);
    }
    if (sig.length != 64) {
      throw new IllegalStateException("the checkpoint key did not make a raw Ed25519 signature");
    }
    int keyId = NoteCrypto.keyId(origin, NoteCrypto.ED25519, pub);
    SignedNote note = new SignedNote(cp.body(), List.of(new SignedNote.Signature(origin, keyId, sig)));
    return new SignedCheckpoint(cp, note);
  }

  InclusionProof inclusion(AuditEvent event, long treeSize) {
    return new InclusionProof(event.seq(), treeSize, event.hash(), AuditTree.inclusionPath(event.seq() - 1, treeSize, subtrees()));
  }

  ConsistencyProof consistency(long oldSize, long newSize) {
    return new ConsistencyProof(oldSize, newSize, AuditTree.consistencyPath(oldSize, newSize, subtrees()));
  }

  /** Signs the current tree and keeps it, if there is a keeper. */
  synchronized SignedCheckpoint checkpointAndKeep() {
    SignedCheckpoint cp = sign(size());
    keep(cp);
    return cp;
  }

  private synchronized void keep(SignedCheckpoint cp) {
    if (keeper.isEmpty()) {
      return;
    }
    Optional<SignedCheckpoint> kept = kept();
    if (kept.isPresent()) {
      Checkpoint k = kept.get().checkpoint();
      if (k.size() > cp.checkpoint().size()) {
        return; // another instance on the same keeper went further; keep the newest
      }
      checkExtends(k, cp.checkpoint().size());
      if (k.size() == cp.checkpoint().size()) {
        return; // the same tree (checkExtends compared the roots): nothing new to write
      }
    }
    keeper.get().keep(cp.note().format());
  }

  /** The kept checkpoint, checked: our origin and signed by one of our checkpoint keys. */
  Optional<SignedCheckpoint> kept() {
    if (keeper.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> text = keeper.get().load();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    String where = keeper.get().describe();
    SignedCheckpoint cp;
    try {
      cp = SignedCheckpoint.parse(text.get());
    } catch (IllegalArgumentException e) {
      throw new Inconsistent("the checkpoint kept in " + where + " is not a signed checkpoint (" + e.getMessage() + ")");
    }
    if (!cp.checkpoint().origin().equals(origin)) {
      throw new Inconsistent("the checkpoint kept in " + where + " is of another log (origin '" + cp.checkpoint().origin()
          + "', this store's is '" + origin + "')");
    }
    boolean signed = false;
    for (byte[] pub : keysets.checkpointKeys().publicKeys()) {
      signed |= NoteCrypto.verifyNote(cp.note(), NoteCrypto.verifierKey(origin, NoteCrypto.ED25519, pub));
    }
    if (!signed) {
      throw new Inconsistent("the checkpoint kept in " + where + " is not signed by a checkpoint key of this store"
          + " (the store's keysets were replaced, or the kept file was)");
    }
    return Optional.of(cp);
  }

  /**
   * Refuses unless the store's tree at {@code size} extends {@code kept}: a truncated store holds fewer
   * events; a rewritten one has another root at the kept size.
   */
  void checkExtends(Checkpoint kept, long size) {
    String where = keeper.map(CheckpointKeeper::describe).orElse("the keeper");
    if (size < kept.size()) {
      throw new Inconsistent("the store holds " + size + " audit events but the checkpoint kept in " + where + " has "
          + kept.size() + ": the newest events were removed (truncated)");
    }
    Hash at = root(kept.size());
    if (!at.equals(kept.root())) {
      throw new Inconsistent("the store's audit tree at size " + kept.size() + " has another root than the checkpoint kept in "
          + where + ": its history was rewritten");
    }
  }

  /**
   * On open: the store's tree must extend the kept checkpoint, and the events at the kept size and at
   * the head must be the tree's leaves (tying the stored nodes to the events with two inclusion
   * proofs); then the current tree is signed and kept. {@link #verify} checks every event.
   */
  void checkOnOpen() {
    Optional<SignedCheckpoint> kept = kept();
    long size = size();
    if (kept.isPresent()) {
      checkExtends(kept.get().checkpoint(), size);
      Hash root = root(size);
      for (long seq : new long[] {kept.get().checkpoint().size(), size}) {
        if (seq < 1) {
          continue;
        }
        List<AuditEvent> e = storage.auditRange(seq, 1);
        if (e.isEmpty() || !inclusion(e.get(0), size).verify(root)) {
          throw new Inconsistent("the audit event at seq " + seq + " is not the leaf the store's audit tree holds there");
        }
      }
    }
    if (keeper.isPresent()) {
      checkpointAndKeep();
      log.debug("audit checkpoint at size {} kept in {}", size, keeper.get().describe());
    }
  }

  /**
   * A3 plus the tree: the chain verifies, the tree recomputed from the events has the kept
   * checkpoint's root at its size, and the store's own tree nodes agree with the events.
   *
   * <p>Over a long log the work is shared with a second thread ({@link TreeTap}): a verification of a
   * million events then keeps two cores busy. The thread is started and joined within the call. If
   * that check finds anything wrong, the events are read and verified again on this thread alone,
   * which places and words the first problem.
   */
  AuditVerification verify(Supplier<Iterator<AuditEvent>> events, Optional<AuditHead> expected,
      BiFunction<Iterator<AuditEvent>, Optional<AuditHead>, AuditVerification> chain) {
    Optional<SignedCheckpoint> kept;
    try {
      kept = kept();
    } catch (Inconsistent e) {
      return AuditVerification.broken(0, 1, e.getMessage());
    }
    long keptSize = kept.map(k -> k.checkpoint().size()).orElse(0L);
    TreeTap.Pipeline p = pipeline;
    Optional<TreeTap.Outcome> fast =
        p.from() == Integer.MAX_VALUE ? Optional.empty() : TreeTap.verify(events.get(), expected, keptSize, p);
    // anything but a valid chain: verified again on one thread, which finds the first problem and words it
    TreeTap.Outcome outcome = fast.isPresent() ? fast.get() : TreeTap.inline(events.get(), expected, keptSize, chain);
    AuditVerification v = outcome.verification();
    if (!v.valid()) {
      return v;
    }
    AuditTree.Frontier frontier = outcome.frontier();
    Hash atKept = outcome.rootAtKept();
    long n = v.eventsVerified();
    if (kept.isPresent()) {
      Checkpoint k = kept.get().checkpoint();
      if (n < k.size()) {
        return AuditVerification.broken(n, n + 1, "chain ends at seq " + n + " before the size " + k.size()
            + " of the checkpoint kept in " + keeper.get().describe() + " (truncated)");
      }
      if (!k.root().equals(atKept)) {
        return AuditVerification.broken(0, 1, "the audit tree at size " + k.size() + " has another root than the checkpoint kept in "
            + keeper.get().describe() + " (history rewritten)");
      }
    }
    if (frontier.size() == n) {
      Hash stored;
      try {
        stored = root(n);
      } catch (Inconsistent e) {
        return AuditVerification.broken(n, n, e.getMessage());
      }
      if (!stored.equals(frontier.root())) {
        return AuditVerification.broken(n, n, "the store's audit tree nodes do not match its events");
      }
    }
    return v;
  }
}
