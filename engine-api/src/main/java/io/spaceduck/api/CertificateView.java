package io.spaceduck.api;

import java.util.Objects;

/**
 * A certificate and whether it is its subject's current one. The status is not part of the signed
 * certificate (which never changes); it is derived from the subject's record.
 */
public record CertificateView(BirthCertificate certificate, CertStatus status) {
  public CertificateView {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(status, "status");
  }
}
