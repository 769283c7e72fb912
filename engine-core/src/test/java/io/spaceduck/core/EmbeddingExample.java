package io.spaceduck.core;

import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationDelivery;
import io.spaceduck.api.spi.HumanCheck;
import java.nio.file.Path;

/**
 * The embedding example of README.md, kept compiling and running by {@link EmbeddingExampleTest}.
 * The block between the markers must appear verbatim in the README.
 */
final class EmbeddingExample {
  private EmbeddingExample() {}

  static AuditVerification run(Path dir, HumanCheck turnstile, VerificationDelivery mailer) {
    // embed:start
    try (SpaceDuck duck = SpaceDuck.builder()
        .storageUri("memory:")                                      // a MapDB file or JDBC URL in production
        .kek(DevelopmentKek.fromFile(dir.resolve("dev-kek.json")))  // a KMS-backed KekSource in production
        .humanCheck(turnstile)                                      // (token, source) -> boolean
        .verificationDelivery(mailer)                               // (email, hatch, code, expiresAt) -> send
        .build()) {
      HatchResult admin = duck.admin().bootstrap("Ada", Email.of("ada@example.org"));
      BeakKey adminKey = admin.key().key();                          // shown once: hand it to its owner

      BondResult scout = duck.bonds().bond(adminKey, "scout-7", Tier.T1);
      Principal who = duck.authenticate(scout.key().key());         // one keyed lookup, no ECDSA
      System.out.println(who.id() + " acts at " + who.tier());

      String jwks = duck.certificates().publicJwks();               // third parties verify offline
      OfflineCertificateVerifier.fromJwks(jwks).verify(scout.certificate().jws());

      duck.keys().revoke(adminKey, scout.key().info().id(), ReasonCode.COMPROMISED);
      return duck.audit().verify(adminKey);                          // the hash chain holds
    }
    // embed:end
  }
}
