package io.spaceduck.benchmarks;

import com.google.crypto.tink.jwt.JwtPublicKeySign;
import com.google.crypto.tink.jwt.JwtPublicKeyVerify;
import com.google.crypto.tink.jwt.JwtValidator;
import com.google.crypto.tink.jwt.RawJwt;
import com.google.crypto.tink.jwt.VerifiedJwt;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.HatchResult;
import io.spaceduck.core.OfflineCertificateVerifier;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 3 of issue 8: birth certificates, issued and verified offline, next to their floor — raw
 * Tink ES256 signing and verification of a JWT with the same claims.
 *
 * <ul>
 *   <li><b>hatch</b>: {@code hatching().start} then {@code complete} — what issues a certificate: a
 *       pending hatch, the code check, then one unit with the duckling, its encrypted contact, its
 *       signed certificate, its first key and the audit event. Compared with <b>tinkSign</b>.
 *   <li><b>offlineVerify</b>: {@link OfflineCertificateVerifier#verify} of a certificate JWS with the
 *       public JWK set. Compared with <b>tinkVerify</b>: Tink's verifier of the same JWK set on the
 *       same token, checking type header and issuer.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class CertificateBenchmark {
  @Param({"memory"})
  public String store;

  private BenchEngine bench;
  private String jws;
  private OfflineCertificateVerifier offline;
  private JwtPublicKeyVerify tinkVerifier;
  private final JwtValidator validator = RawTink.validator("sd-cert+jwt", true);
  private JwtPublicKeySign tinkSigner;
  private BirthCertificate sample;

  @Setup(Level.Trial)
  public void open() throws GeneralSecurityException, IOException {
    bench = new BenchEngine(store);
    HatchResult h = bench.hatch();
    sample = h.certificate();
    jws = sample.jws();
    String jwks = bench.engine.certificates().publicJwks();
    offline = OfflineCertificateVerifier.fromJwks(jwks);
    tinkVerifier = RawTink.verifier(jwks);
    tinkSigner = RawTink.newEs256Signer();
  }

  @TearDown(Level.Trial)
  public void close() {
    bench.close();
  }

  @Benchmark
  public HatchResult hatch() {
    return bench.hatch();
  }

  /** The claims a certificate carries (see {@code CertificateTokens}), signed by raw Tink. */
  @Benchmark
  public String tinkSign() throws GeneralSecurityException {
    RawJwt jwt =
        RawJwt.newBuilder()
            .setTypeHeader("sd-cert+jwt")
            .setIssuer("spaceduck")
            .setJwtId(sample.id().value())
            .setSubject(sample.subject().value())
            .setIssuedAt(Instant.ofEpochSecond(Instant.now().getEpochSecond()))
            .addStringClaim("kind", "duckling")
            .addStringClaim("name", "Duck 1")
            .addStringClaim("tier", "T1")
            .addStringClaim("engine_version", "0.1.0-SNAPSHOT")
            .withoutExpiration()
            .build();
    return tinkSigner.signAndEncode(jwt);
  }

  @Benchmark
  public BirthCertificate offlineVerify() {
    return offline.verify(jws);
  }

  @Benchmark
  public VerifiedJwt tinkVerify() throws GeneralSecurityException {
    return tinkVerifier.verifyAndDecode(jws, validator);
  }
}
