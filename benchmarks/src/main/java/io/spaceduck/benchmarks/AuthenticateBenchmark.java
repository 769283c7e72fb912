package io.spaceduck.benchmarks;

import com.nimbusds.jwt.JWTClaimsSet;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Principal;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Figure 1 of issue 8: {@code authenticate(rawKey)} warm, with 1 and 2 threads, next to
 *
 * <ul>
 *   <li>its <b>floor</b>: HMAC-SHA256 of the same raw key plus one {@link ConcurrentHashMap} lookup of
 *       its key id and a constant-time comparison — the least any keyed-MAC scheme must do;
 *   <li>its <b>peers</b>: Nimbus JOSE+JWT verifying an ES256 and an HS256 JWT (parse, signature,
 *       claims, expiry) — what a team would use as an API token instead.
 * </ul>
 *
 * The engine's figure includes what the floor leaves out: parsing, the key, identity and bond reads
 * from the store, status checks and the rate-limit charge. {@code store} is {@code memory} or
 * {@code mapdb}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class AuthenticateBenchmark {
  @Param({"memory", "mapdb"})
  public String store;

  private BenchEngine bench;
  private BeakKey key;
  private Peers peers;

  // the floor: a table of key id -> MAC of the key, as a minimal keyed-MAC API key store would keep
  private final ConcurrentHashMap<String, byte[]> table = new ConcurrentHashMap<>();
  private byte[] macKey;
  private byte[] rawKey;
  private String keyId;

  @Setup(Level.Trial)
  public void open() throws GeneralSecurityException {
    bench = new BenchEngine(store);
    key = bench.agent(bench.operator()).key().key();
    bench.engine.authenticate(key);
    peers = new Peers();
    macKey = new byte[32];
    new SecureRandom().nextBytes(macKey);
    rawKey = key.reveal().getBytes(StandardCharsets.UTF_8);
    keyId = key.reveal().substring(3, 19);
    for (int i = 0; i < 10_000; i++) {
      table.put(Integer.toString(i), new byte[32]);
    }
    table.put(keyId, newMac(macKey).doFinal(rawKey));
  }

  @TearDown(Level.Trial)
  public void close() {
    bench.close();
  }

  static Mac newMac(byte[] key) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac;
  }

  /** One {@link Mac} per thread, as a real floor implementation would keep. */
  @State(Scope.Thread)
  public static class ThreadMac {
    Mac mac;

    @Setup(Level.Trial)
    public void init(AuthenticateBenchmark b) throws GeneralSecurityException {
      mac = newMac(b.macKey);
    }
  }

  private boolean floor(ThreadMac t) {
    byte[] stored = table.get(keyId);
    byte[] computed = t.mac.doFinal(rawKey);
    return stored != null && MessageDigest.isEqual(stored, computed);
  }

  @Benchmark
  @Threads(1)
  public Principal engine_1thread() {
    return bench.engine.authenticate(key);
  }

  @Benchmark
  @Threads(2)
  public Principal engine_2threads() {
    return bench.engine.authenticate(key);
  }

  @Benchmark
  @Threads(1)
  public boolean floorHmacLookup_1thread(ThreadMac t) {
    return floor(t);
  }

  @Benchmark
  @Threads(2)
  public boolean floorHmacLookup_2threads(ThreadMac t) {
    return floor(t);
  }

  @Benchmark
  @Threads(1)
  public JWTClaimsSet nimbusEs256_1thread() {
    return peers.verifyEs256(peers.es256Token);
  }

  @Benchmark
  @Threads(2)
  public JWTClaimsSet nimbusEs256_2threads() {
    return peers.verifyEs256(peers.es256Token);
  }

  @Benchmark
  @Threads(1)
  public JWTClaimsSet nimbusHs256_1thread() {
    return peers.verifyHs256(peers.hs256Token);
  }

  @Benchmark
  @Threads(2)
  public JWTClaimsSet nimbusHs256_2threads() {
    return peers.verifyHs256(peers.hs256Token);
  }
}
