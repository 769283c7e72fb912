package io.spaceduck.conformance.broken;

import io.spaceduck.conformance.CommitFaults;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.StorageOutcomeUnknownException;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.memory.InMemoryStorage;

/**
 * An in-memory store given a commit point, for {@link CommitFaults}: a unit commits into the shared
 * in-memory store (that is the commit point: the "data" survives a {@link CommitFaults#reopen}), and an
 * armed failure then strikes. {@link Mode#HONEST} reports it as {@link StorageOutcomeUnknownException};
 * {@link Mode#SAYS_NOT_APPLIED} is broken on purpose — it throws a plain {@link StorageException}
 * ("not applied") about a unit that is durable, the defect MapDB had when its page copy failed after the
 * journal fsync (issue 14).
 */
final class CommitPointStorage extends ForwardingStorage {
  enum Mode {
    HONEST,
    SAYS_NOT_APPLIED
  }

  private final Mode mode;
  private volatile boolean armed;
  private volatile boolean closed;

  private CommitPointStorage(Storage data, Mode mode) {
    super(data);
    this.mode = mode;
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    if (closed) {
      throw new StorageException("closed");
    }
    T result = delegate.execute(unit); // committed: the commit point is behind us
    if (armed) {
      armed = false;
      throw mode == Mode.HONEST
          ? new StorageOutcomeUnknownException("failed after the commit point; outcome unknown (injected)")
          : new StorageException("commit failed; the action was not applied (injected)");
    }
    return result;
  }

  /** Closes this handle only: the data stays for the next open, as a file or a database would. */
  @Override
  public void close() {
    closed = true;
  }

  /** The capability over a fresh in-memory "disk" per store. */
  static CommitFaults faults(Mode mode) {
    return new CommitFaults() {
      @Override
      public Storage newStore() {
        return new CommitPointStorage(new InMemoryStorage(), mode);
      }

      @Override
      public void failNextCommitAfterCommitPoint(Storage store) {
        ((CommitPointStorage) store).armed = true;
      }

      @Override
      public Storage reopen(Storage store) {
        CommitPointStorage s = (CommitPointStorage) store;
        s.close();
        return new CommitPointStorage(s.delegate(), mode);
      }
    };
  }
}
