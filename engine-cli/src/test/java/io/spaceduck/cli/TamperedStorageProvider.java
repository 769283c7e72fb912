package io.spaceduck.cli;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.conformance.ForwardingStorage;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageProvider;
import io.spaceduck.storage.Storages;
import java.util.List;
import java.util.Map;

/**
 * A test-only store, {@code tampered:<seq>:<mapdb file>}: the real MapDB store, except that every
 * audit read shows event {@code seq} with a forged actor and its stored hash, as a tamperer who
 * edited the file without re-hashing the rest of the chain would leave it. Registered in the test
 * class path's {@code META-INF/services}; it shows that {@code duck} reaches any provider by URI.
 */
public final class TamperedStorageProvider implements StorageProvider {
  @Override
  public String scheme() {
    return "tampered";
  }

  @Override
  public Storage open(String uri, Map<String, String> options) {
    String rest = uri.substring("tampered:".length());
    int colon = rest.indexOf(':');
    long seq = Long.parseLong(rest.substring(0, colon));
    return new Tampered(Storages.open("mapdb:" + rest.substring(colon + 1), options), seq);
  }

  private static final class Tampered extends ForwardingStorage {
    private final long seq;

    Tampered(Storage real, long seq) {
      super(real);
      this.seq = seq;
    }

    private AuditEvent forge(AuditEvent e) {
      if (e.seq() != seq) {
        return e;
      }
      return new AuditEvent(e.seq(), e.action(), "dk_forgedforgedforgedforged", e.resource(), e.scope(), e.timestamp(),
          e.engineVersion(), e.reason(), e.outcome(), e.details(), e.prevHash(), e.hash());
    }

    @Override
    public List<AuditEvent> auditRange(long fromSeq, int limit) {
      return delegate.auditRange(fromSeq, limit).stream().map(this::forge).toList();
    }

    @Override
    public List<AuditEvent> auditQuery(AuditFilter filter, long afterSeq, int limit) {
      return delegate.auditQuery(filter, afterSeq, limit).stream().map(this::forge).toList();
    }

    @Override
    public String describe() {
      return "tampered view of " + delegate.describe();
    }
  }
}
