package io.spaceduck.api;

import java.util.Objects;

/**
 * A certificate and its status now: whether it is its subject's current one and whether that subject
 * is in good standing ({@link CertStatus}). The status is not part of the signed certificate (which
 * never changes); it is derived from the subject's record (and an agent's bond) at lookup time, so a
 * relying party that checks {@code status().valid()} refuses a revoked, deleted or blocked subject.
 */
public record CertificateView(BirthCertificate certificate, CertStatus status) {
  public CertificateView {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(status, "status");
  }
}
