package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.SpaceDuck;
import io.spaceduck.core.DevelopmentKek;
import io.spaceduck.server.config.ServerLimits;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Binding rules, TLS, overload, graceful stop, health, metrics, client addresses and static files. */
class ServerLifecycleTest {
  @TempDir Path dir;

  @Test
  void plainHttp_offLoopback_isRefused() {
    try (SpaceDuck duck = engine()) {
      var e = assertThrows(IllegalStateException.class,
          () -> SpaceDuckServer.builder().engine(duck).listen(new InetSocketAddress("0.0.0.0", 0)).start());
      assertTrue(e.getMessage().contains("loopback"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> SpaceDuckServer.builder().start());
    }
  }

  @Test
  void tls_servesHttps_withHsts_evenOffLoopback() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    openssl(cert, key);
    try (SpaceDuck duck = engine();
        SpaceDuckServer server = SpaceDuckServer.builder().engine(duck).listen(new InetSocketAddress("0.0.0.0", 0)).tls(cert, key).start()) {
      assertEquals("https", server.uri().getScheme());
      HttpClient https = HttpClient.newBuilder().sslContext(trusting(cert)).build();
      var client = new ValidatingClient(URI.create("https://127.0.0.1:" + server.port() + "/"), https);
      var ex = client.get("/healthz", null).expect(200);
      String hsts = ex.header("strict-transport-security");
      assertNotNull(hsts);
      assertTrue(hsts.contains("max-age=31536000"), hsts);
      assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()),
          "no plain HTTP on the TLS port");
    }
  }

  @Test
  void overCapacity_is503WithRetryAfter_andTheHeldRequestStillCompletes() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (Fixture f = new Fixture(dir, "memory:", b -> {}, s -> s.limits(ServerLimits.defaults().withConcurrency(1, 0, Duration.ofSeconds(1))))) {
      f.humanGate = () -> hold(entered, release);
      CompletableFuture<ValidatingClient.Exchange> held = CompletableFuture.supplyAsync(() -> f.client.post("/beak/hatch", null,
          Fixture.obj().put("display_name", "Ada").put("email", "ada@example.org").put("challenge_token", Fixture.HUMAN)));
      assertTrue(entered.await(20, TimeUnit.SECONDS));
      var refused = f.client.hostile("GET", "/healthz", null, null, Map.of()).problem(503, "unavailable");
      assertEquals("1", refused.header("retry-after"));
      release.countDown();
      held.get(20, TimeUnit.SECONDS).expect(202);
      // The held request gives its slot back when its handling completes, which may be a moment after
      // its response reached this client: until then a request may still be refused (503, nothing else).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      int status;
      do {
        status = f.client.hostile("GET", "/healthz", null, null, Map.of()).status();
        assertTrue(status == 200 || status == 503, "status " + status);
      } while (status != 200 && System.nanoTime() < deadline);
      assertEquals(200, status, "the slot is free again once the held request completed");
      f.client.get("/healthz", null).expect(200);
    }
  }

  @Test
  void close_stopsAccepting_drainsTheRequestInFlight_andLeavesTheEngineOpen() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Fixture f = new Fixture(dir);
    try {
      f.humanGate = () -> hold(entered, release);
      CompletableFuture<ValidatingClient.Exchange> held = CompletableFuture.supplyAsync(() -> f.client.post("/beak/hatch", null,
          Fixture.obj().put("display_name", "Ada").put("email", "ada@example.org").put("challenge_token", Fixture.HUMAN)));
      assertTrue(entered.await(20, TimeUnit.SECONDS));
      int port = f.server.port();
      CompletableFuture<Void> closing = CompletableFuture.runAsync(f.server::close);
      // new connections are refused once the connector is closed (bounded wait for the other thread)
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      boolean refused = false;
      while (!refused && System.nanoTime() < deadline) {
        try (java.net.Socket probe = new java.net.Socket()) {
          probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
          Thread.onSpinWait();
        } catch (java.net.SocketException | java.net.SocketTimeoutException e) {
          // refused (ConnectException), or reset: a connection the kernel queued on the listening
          // socket just before the connector closed it is reset, never served; or timed out: while
          // the connector stops, the socket may still be bound but no longer accepted from, so the
          // probes fill its backlog and the kernel drops further handshakes - not served either
          refused = true;
        }
      }
      assertTrue(refused, "the stopping server accepts no new connection");
      assertFalse(closing.isDone(), "close waits for the request in flight");
      release.countDown();
      held.get(20, TimeUnit.SECONDS).expect(202);
      closing.get(20, TimeUnit.SECONDS);
      assertEquals(1, f.codes.size(), "the drained request did its engine work");
      assertFalse(f.duck.engineVersion().isEmpty(), "the engine is still open: the caller owns it");
    } finally {
      release.countDown();
      f.close();
    }
  }

  @Test
  void health_ready_metrics_jwksCaching_andStaticFiles() {
    try (Fixture f = new Fixture(dir)) {
      assertEquals("ok", f.client.get("/healthz", null).expect(200).text("status"));
      assertEquals("ready", f.client.get("/readyz", null).expect(200).text("status"));
      f.client.hostile("GET", "/beak/whoami", "bk_aaaaaaaaaaaaaaaa_wrong", null, Map.of()).problem(401, "unauthenticated");
      var jwks = f.client.get("/.well-known/jwks.json", null).expect(200);
      assertTrue(jwks.header("cache-control").contains("max-age"), jwks.header("cache-control"));
      assertNotNull(jwks.header("etag"));
      String metrics = f.client.get("/metrics", null).expect(200).body();
      assertTrue(metrics.contains("http_server_requests_seconds_bucket{"), metrics);
      assertTrue(metrics.contains("route=\"/beak/whoami\""), "labelled by route template");
      assertTrue(metrics.contains("spaceduck_refusals_total{code=\"unauthenticated\"}"), metrics);
      assertFalse(metrics.contains("bk_"), "no key in the metrics");
      var index = f.client.hostile("GET", "/", null, null, Map.of());
      assertEquals(200, index.status());
      assertTrue(index.body().contains("Mission Control"));
    }
  }

  @Test
  @Tag("H5")
  void hatchRateLimit_countsByClientAddress_andForwardedForOnlyFromTrustedProxies() {
    Map<String, String> a = Map.of("X-Forwarded-For", "203.0.113.7");
    Map<String, String> b = Map.of("X-Forwarded-For", "198.51.100.1, 203.0.113.8");
    try (Fixture f = new Fixture(dir, "memory:", x -> {}, s -> s.trustedProxies(List.of("127.0.0.0/8")))) {
      assertEquals(429, exhaust(f, a));
      assertEquals(202, hatchStart(f, b, 99), "another client behind the trusted proxy has its own bucket");
    }
    try (Fixture f = new Fixture(dir.resolve("untrusted"), "memory:", x -> {}, s -> {})) {
      assertEquals(429, exhaust(f, a));
      assertEquals(429, hatchStart(f, b, 99), "without a trusted proxy the header is ignored: one bucket");
    }
  }

  private static int exhaust(Fixture f, Map<String, String> headers) {
    int status = 0;
    for (int i = 0; i < 10 && status != 429; i++) {
      status = hatchStart(f, headers, i);
    }
    return status;
  }

  private static int hatchStart(Fixture f, Map<String, String> headers, int i) {
    String body = Fixture.obj().put("display_name", "D" + i).put("email", "d" + i + "@example.org").put("challenge_token", Fixture.HUMAN).toString();
    return f.client.send("POST", "/beak/hatch", null, body, headers, true).status();
  }

  private static void hold(CountDownLatch entered, CountDownLatch release) {
    entered.countDown();
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private SpaceDuck engine() {
    return SpaceDuck.builder().storageUri("memory:").kek(DevelopmentKek.fromFile(dir.resolve("kek.json")))
        .humanCheck((t, s) -> true).verificationDelivery((e, h, c, x) -> {}).build();
  }

  static void openssl(Path cert, Path key) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
          "-keyout", key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=localhost",
          "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1").redirectErrorStream(true).start();
    } catch (IOException e) {
      Assumptions.abort("openssl is not installed: the TLS test needs it to make a certificate");
      return;
    }
    p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor(), "openssl made a certificate");
  }

  static SSLContext trusting(Path cert) throws Exception {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    try (InputStream in = new FileInputStream(cert.toFile())) {
      ts.setCertificateEntry("server", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
