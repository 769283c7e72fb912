package io.spaceduck.api;

import java.util.List;

/**
 * The hash-chained audit log (A1–A5). There is no update or delete, here or anywhere (A2).
 *
 * <p>The chain is also an RFC 9162 Merkle tree ({@link AuditTree}): the engine signs C2SP checkpoints
 * of it and proves inclusion and consistency, so that anyone holding a checkpoint can check later ones
 * extend it and witnesses can cosign them ({@code docs/transparency.md}).
 */
public interface Audit {
  /**
   * A4: a page of events. Operators see the events of their own governance (where they act or their
   * agents are concerned); admins see all.
   */
  AuditPage read(BeakKey caller, AuditQuery query);

  /**
   * A3 (admin): recomputes the whole chain and names the first broken {@code seq}; also recomputes the
   * audit tree from the events and compares it with the kept checkpoint and the store's own tree nodes
   * ({@code docs/transparency.md}).
   *
   * <p>Over a long log (more than 4,096 events) the work is shared with a second thread — the calling
   * thread pages through the events and checks the links, the other computes the tree, and the events'
   * hashes are checked by whichever is free — so a verification uses two cores; that thread is started
   * and ended within the call. A chain with a problem is checked again on the calling thread alone, which
   * finds and names the first broken {@code seq}.
   *
   * @throws java.util.concurrent.CancellationException if the calling thread is interrupted while it
   *     waits for the tree's thread (the interrupt status stays set)
   */
  AuditVerification verify(BeakKey caller);

  /**
   * A3 (admin): as {@link #verify(BeakKey)}, and also requires {@code expected} — a head kept outside
   * the store — to be present unchanged, which detects truncation of the newest events.
   *
   * @throws java.util.concurrent.CancellationException as {@link #verify(BeakKey)}
   */
  AuditVerification verify(BeakKey caller, AuditHead expected);

  /**
   * A signed checkpoint of the whole audit tree as it is now (the C2SP signed note of a {@link
   * Checkpoint}), which also becomes the newest one the engine keeps outside the store, if it has a
   * keeper. Who may call: whoever may read the audit log ({@link Permission#READ_AUDIT}, A4) — a
   * checkpoint reveals the number of events and a hash, nothing of their content.
   */
  SignedCheckpoint checkpoint(BeakKey caller);

  /**
   * The inclusion proof of the event at {@code seq} in the tree of {@code treeSize} events. Who may
   * call: as {@link #read}: an admin for any event, an operator for the events of its governance
   * (another event is {@link NotFound}, as if it did not exist).
   *
   * @throws InvalidInput unless {@code 1 <= seq <= treeSize <= } the current size
   */
  InclusionProof inclusionProof(BeakKey caller, long seq, long treeSize);

  /**
   * The consistency proof from the tree of {@code oldSize} events to that of {@code newSize}. Who may
   * call: whoever may read the audit log ({@link Permission#READ_AUDIT}); a proof holds hashes only.
   *
   * @throws InvalidInput unless {@code 0 <= oldSize <= newSize <= } the current size
   */
  ConsistencyProof consistencyProof(BeakKey caller, long oldSize, long newSize);

  /**
   * The verifier keys of the checkpoint keyset in the C2SP {@code vkey} form {@code
   * <name>+<hex key ID>+<base64(0x01 || public key)>}, the signing (primary) key first. Public, like a
   * JWK set: no caller.
   */
  List<String> verifierKeys();

  /**
   * Admin ({@link Permission#MANAGE_SIGNING_KEYS}): makes a new checkpoint key primary. The old keys
   * stay in the keyset and in {@link #verifierKeys()}, so checkpoints they signed still verify.
   * Audited as {@code checkpoint_key.rotated}. Returns the new verifier key.
   */
  String rotateCheckpointKey(BeakKey caller);
}
