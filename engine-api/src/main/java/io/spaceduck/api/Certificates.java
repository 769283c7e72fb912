package io.spaceduck.api;

import java.util.List;

/** Birth certificates (C1–C5). */
public interface Certificates {
  /**
   * C4: looks up a certificate; requires a valid caller.
   *
   * @throws NotFound if no certificate has this id
   */
  CertificateView get(BeakKey caller, CertId id);

  /** Every certificate of {@code subject}, oldest first (C3). */
  List<CertificateView> history(BeakKey caller, IdentityId subject);

  /** C5: a self-contained HTML card of the certificate, every field escaped. */
  String renderHtml(BeakKey caller, CertId id);

  /**
   * C2: the public JWK set (JSON) with every signing key, current and former, so third parties verify
   * certificates offline. Public by nature; needs no caller.
   */
  String publicJwks();

  /**
   * Verifies a certificate JWS with this engine's public keys (signature, issuer, claims).
   *
   * @throws InvalidInput if the token is malformed, forged or signed by an unknown key
   */
  BirthCertificate verify(String jws);
}
