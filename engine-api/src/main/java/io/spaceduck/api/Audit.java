package io.spaceduck.api;

/** The hash-chained audit log (A1–A5). There is no update or delete, here or anywhere (A2). */
public interface Audit {
  /**
   * A4: a page of events. Operators see the events of their own governance (where they act or their
   * agents are concerned); admins see all.
   */
  AuditPage read(BeakKey caller, AuditQuery query);

  /** A3 (admin): recomputes the whole chain and names the first broken {@code seq}. */
  AuditVerification verify(BeakKey caller);

  /**
   * A3 (admin): as {@link #verify(BeakKey)}, and also requires {@code expected} — a head kept outside
   * the store — to be present unchanged, which detects truncation of the newest events.
   */
  AuditVerification verify(BeakKey caller, AuditHead expected);
}
