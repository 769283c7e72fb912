package io.spaceduck.server.hosts;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A local siteverify endpoint that answers as Cloudflare documents it
 * (developers.cloudflare.com/turnstile/get-started/server-side-validation/): a form POST with {@code
 * secret}, {@code response}, optional {@code remoteip} and {@code idempotency_key}; HTTP 200 and a JSON
 * object with {@code success}, {@code error-codes} and, on success, {@code challenge_ts}, {@code hostname},
 * {@code action}, {@code cdata}. Tokens are single-use unless re-presented with the same idempotency key.
 * A test may replace the answer with a raw one ({@link #answerRaw}) or make the stub hang ({@link #hang}).
 */
final class TurnstileStub implements AutoCloseable {
  static final String SECRET = "0x4AAAAAAAtest-secret-key-0123456789";

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Set<String> issued = new HashSet<>();
  private final Map<String, String> redeemed = new HashMap<>(); // token -> idempotency key
  final BlockingQueue<Map<String, String>> requests = new LinkedBlockingQueue<>();
  private volatile String hostname = "example.com";
  private volatile String action = "hatch";
  private volatile int rawStatus;
  private volatile String rawBody = "";
  private volatile int rawRemaining;
  private volatile CountDownLatch hang = new CountDownLatch(0);

  TurnstileStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/turnstile/v0/siteverify", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/turnstile/v0/siteverify");
  }

  /** A token the widget would have handed to a human. */
  synchronized String issue(String token) {
    issued.add(token);
    return token;
  }

  void serveFor(String hostname, String action) {
    this.hostname = hostname;
    this.action = action;
  }

  /** The next {@code times} answers are exactly this status and body. */
  void answerRaw(int status, String body, int times) {
    rawStatus = status;
    rawBody = body;
    rawRemaining = times;
  }

  /** Every request blocks until the returned latch is released. */
  CountDownLatch hang() {
    CountDownLatch l = new CountDownLatch(1);
    hang = l;
    return l;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Map<String, String> form = parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      form.put(":method", ex.getRequestMethod());
      form.put(":content-type", String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")));
      requests.add(form);
      try {
        hang.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (rawRemaining > 0) {
        rawRemaining--;
        send(ex, rawStatus, rawBody);
        return;
      }
      send(ex, 200, verdict(form));
    }
  }

  private synchronized String verdict(Map<String, String> form) {
    String secret = form.get("secret");
    String token = form.get("response");
    if (!"POST".equals(form.get(":method"))) {
      return failure("bad-request");
    }
    if (secret == null || secret.isEmpty()) {
      return failure("missing-input-secret");
    }
    if (!secret.equals(SECRET)) {
      return failure("invalid-input-secret");
    }
    if (token == null || token.isEmpty()) {
      return failure("missing-input-response");
    }
    if (!issued.contains(token)) {
      return failure("invalid-input-response");
    }
    String key = form.get("idempotency_key");
    if (redeemed.containsKey(token) && (key == null || !key.equals(redeemed.get(token)))) {
      return failure("timeout-or-duplicate");
    }
    redeemed.put(token, key);
    return "{\"success\":true,\"challenge_ts\":\"2026-12-06T22:00:00.000Z\",\"hostname\":\""
        + hostname
        + "\",\"error-codes\":[],\"action\":\""
        + action
        + "\",\"cdata\":\"sessionid-123456789\",\"metadata\":{\"interactive\":false}}";
  }

  private static String failure(String code) {
    return "{\"success\":false,\"error-codes\":[\"" + code + "\"],\"messages\":[]}";
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
    if (b.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(b);
      }
    }
  }

  private static Map<String, String> parse(String body) {
    Map<String, String> m = new LinkedHashMap<>();
    if (body.isEmpty()) {
      return m;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      m.put(k, v);
    }
    return m;
  }

  @Override
  public void close() {
    hang.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
