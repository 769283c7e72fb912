package io.spaceduck.core.internal;

import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.BondId;
import io.spaceduck.api.CertId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.EngineConfig;
import io.spaceduck.api.Feature;
import io.spaceduck.api.Forbidden;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import io.spaceduck.api.Tier;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Optional;

/**
 * Issues what the engine hands out: signed birth certificates (C1–C3, I6, and I7: no T3 certificate
 * while {@code T3_AUTOMATION} is off), Beak Keys of which only the MAC is stored (K1, I8), and signed
 * peck session tokens (P5). The callers decide whether to issue; this class only makes and stores.
 *
 * <p>Thread-safe.
 */
final class Issuer {
  private final EngineConfig config;
  private final EngineKeysets keysets;
  private final Randoms randoms;
  private final SecretsAtRest secrets;
  private final String version;

  Issuer(EngineConfig config, EngineKeysets keysets, Randoms randoms, SecretsAtRest secrets, String version) {
    this.config = config;
    this.keysets = keysets;
    this.randoms = randoms;
    this.secrets = secrets;
    this.version = version;
  }

  /** Signs and stores a certificate (C1–C3). Refuses T3 while the feature is off (I7). */
  BirthCertificate issueCertificate(
      Transaction tx, CertId id, IdentityId subject, String displayName, Tier tier, Optional<DucklingId> operator,
      Optional<CertId> supersedes, Instant now) {
    if (tier == Tier.T3 && !config.enabled(Feature.T3_AUTOMATION)) {
      throw new Forbidden("T3 is disabled (feature T3_AUTOMATION is off)");
    }
    try {
      BirthCertificate cert =
          CertificateTokens.sign(keysets.signingIn(tx).signer(), id, subject, displayName, tier, now, version, operator, supersedes);
      tx.insert(Tables.CERTIFICATES, cert);
      return cert;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("certificate signing failed", e);
    }
  }

  /** Generates, hashes and stores a key; the raw key exists only in the returned value (K1, I8). */
  IssuedKey issueKey(Transaction tx, IdentityId owner, Optional<BondId> bond, Instant now) {
    KeyId id = randoms.keyId();
    String secret = randoms.keySecret();
    KeyInfo info = new KeyInfo(id, owner, bond, now, Optional.empty(), Optional.empty());
    tx.insert(Tables.KEYS, new KeyRecord(info, Bytes.wrap(secrets.mac(BeakKeyFormat.macInput(id, secret)))));
    return new IssuedKey(info, BeakKeyFormat.format(id, secret));
  }

  /** Signs {@code session} with the current signing key (P5); the token is never stored (I8). */
  IssuedSession issueSession(Session session, Instant now) {
    try {
      String jwt = SessionTokens.sign(keysets.signing().signer(), randoms.tokenId(), session, now);
      return new IssuedSession(session, SessionToken.of(jwt));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("session signing failed", e);
    }
  }
}
