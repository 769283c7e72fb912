package io.spaceduck.benchmarks;

import com.google.crypto.tink.jwt.JwtPublicKeyVerify;
import com.google.crypto.tink.jwt.JwtValidator;
import com.google.crypto.tink.jwt.VerifiedJwt;
import com.nimbusds.jwt.JWTClaimsSet;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.Session;
import io.spaceduck.api.SessionToken;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Set;
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
 * Figure 2 of issue 8: {@code pecks().verifySession(token)} of an active peck's session token.
 *
 * <ul>
 *   <li><b>warm</b>: a token seen before — its signature check is cached (keyed by its SHA-256); what
 *       remains is the hash, the cache lookup and the live checks (peck, both agents, both bonds read
 *       from the store).
 *   <li><b>cold</b>: first sight of each token — the ES256 signature is verified. Each token can be
 *       cold only once, so this runs in single-shot mode over batches of {@value #COLD_BATCH} fresh
 *       tokens minted before each iteration (unmeasured); the score is the time of one batch.
 *   <li>peers: <b>nimbusEs256</b> (Nimbus JOSE+JWT verifying an ES256 JWT) and the floor of the cold
 *       path, <b>tinkVerify</b> (raw Tink verifying the same session token with the engine's JWK set).
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class SessionBenchmark {
  static final int COLD_BATCH = 1000;

  @Param({"memory"})
  public String store;

  private BenchEngine bench;
  private BeakKey agent;
  private Peck peck;
  private SessionToken warmToken;
  private Peers peers;
  private JwtPublicKeyVerify tinkVerifier;
  private final JwtValidator validator = RawTink.validator("sd-peck+jwt", false);

  @Setup(Level.Trial)
  public void open() throws GeneralSecurityException, IOException {
    bench = new BenchEngine(store);
    BeakKey op1 = bench.operator();
    BeakKey op2 = bench.operator();
    BondResult a = bench.agent(op1);
    BondResult b = bench.agent(op2);
    agent = a.key().key();
    peck = bench.engine.pecks().request(agent, PeckRequest.of(b.certificate().id(), Set.of("chat:read", "files.read"), Duration.ofHours(1)));
    bench.engine.pecks().accept(b.key().key(), peck.id());
    bench.engine.pecks().approve(op2, peck.id());
    warmToken = bench.engine.pecks().session(agent, peck.id()).token();
    bench.engine.pecks().verifySession(warmToken);
    peers = new Peers();
    tinkVerifier = RawTink.verifier(bench.engine.certificates().publicJwks());
  }

  @TearDown(Level.Trial)
  public void close() {
    bench.close();
  }

  /** Fresh tokens for one cold batch, minted before the iteration and used once each. */
  @State(Scope.Thread)
  public static class ColdTokens {
    SessionToken[] tokens = new SessionToken[COLD_BATCH];
    int next;

    @Setup(Level.Iteration)
    public void mint(SessionBenchmark b) {
      for (int i = 0; i < COLD_BATCH; i++) {
        tokens[i] = b.bench.engine.pecks().session(b.agent, b.peck.id()).token();
      }
      next = 0;
    }
  }

  @Benchmark
  public Session warm() {
    return bench.engine.pecks().verifySession(warmToken);
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 2, batchSize = COLD_BATCH)
  @Measurement(iterations = 3, batchSize = COLD_BATCH)
  public Session cold(ColdTokens t) {
    return bench.engine.pecks().verifySession(t.tokens[t.next++]);
  }

  @Benchmark
  public JWTClaimsSet nimbusEs256() {
    return peers.verifyEs256(peers.es256Token);
  }

  @Benchmark
  public VerifiedJwt tinkVerify() throws GeneralSecurityException {
    return tinkVerifier.verifyAndDecode(warmToken.reveal(), validator);
  }
}
