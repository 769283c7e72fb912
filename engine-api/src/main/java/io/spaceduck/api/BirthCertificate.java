package io.spaceduck.api;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A signed, immutable identity record (C1) together with its compact JWS ({@link #jws()}), which any
 * third party verifies offline with the engine's public JWK set (C2). Certificates are append-only:
 * a tier change issues a new one that {@link #supersedes()} the old (C3). A certificate never carries
 * a credential.
 *
 * @param id the certificate id ({@code jti})
 * @param subject the duckling or agent it certifies ({@code sub})
 * @param displayName the subject's display name
 * @param tier the tier certified
 * @param issuedAt when it was issued, UTC ({@code iat}), at second precision
 * @param engineVersion the engine version that issued it
 * @param operator the agent's operator; empty for a duckling
 * @param supersedes the certificate this one replaces, if any
 * @param jws the signed compact JWS
 */
public record BirthCertificate(
    CertId id,
    IdentityId subject,
    String displayName,
    Tier tier,
    Instant issuedAt,
    String engineVersion,
    Optional<DucklingId> operator,
    Optional<CertId> supersedes,
    String jws) {
  public BirthCertificate {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(tier, "tier");
    Objects.requireNonNull(issuedAt, "issuedAt");
    Objects.requireNonNull(engineVersion, "engineVersion");
    Objects.requireNonNull(operator, "operator");
    Objects.requireNonNull(supersedes, "supersedes");
    Objects.requireNonNull(jws, "jws");
    if ((subject.kind() == IdentityKind.AGENT) != operator.isPresent()) {
      throw new IllegalArgumentException("an agent certificate, and only one, names the operator");
    }
  }

  /** The kind of the subject. */
  public IdentityKind kind() {
    return subject.kind();
  }
}
