package io.spaceduck.server.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.CertId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.RuleId;
import io.spaceduck.conformance.MutableClock;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("P3")
class WebhookPeckNotifierTest {
  /** Serialised as a receiver would be given it; 32 bytes. */
  private static final String WHSEC = "whsec_" + Base64.getEncoder().encodeToString(bytes(32, 7));
  private static final String WHSEC_2 = "whsec_" + Base64.getEncoder().encodeToString(bytes(24, 11));
  private static final Instant T0 = Instant.parse("2026-12-06T22:30:00Z");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MutableClock clock = new MutableClock(T0);
  private final ManualScheduler scheduler = new ManualScheduler();
  private WebhookReceiver receiver;
  private final List<WebhookPeckNotifier> notifiers = new ArrayList<>();

  /** Retries wait here until the test runs them: no sleeping, no real backoff. */
  static final class ManualScheduler implements WebhookPeckNotifier.Scheduler {
    record Task(Duration delay, Runnable run) {}

    final BlockingQueue<Task> tasks = new LinkedBlockingQueue<>();

    @Override
    public void schedule(Duration delay, Runnable task) {
      tasks.add(new Task(delay, task));
    }

    Task next() throws InterruptedException {
      Task t = tasks.poll(10, TimeUnit.SECONDS);
      assertNotNull(t, "no retry was scheduled");
      return t;
    }
  }

  @BeforeEach
  void start() throws Exception {
    receiver = new WebhookReceiver();
  }

  @AfterEach
  void stop() {
    notifiers.forEach(WebhookPeckNotifier::close);
    receiver.close();
  }

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private WebhookPeckNotifier.Builder notifier() {
    return WebhookPeckNotifier.builder()
        .endpoint(receiver.url("/hooks/peck?token=url-token-in-query"), WebhookSecret.parse(WHSEC))
        .clock(clock)
        .scheduler(scheduler)
        .random(new Random(42))
        .workers(1)
        .requestTimeout(Duration.ofSeconds(5))
        .connectTimeout(Duration.ofSeconds(2))
        .drainTimeout(Duration.ofSeconds(10));
  }

  private WebhookPeckNotifier build(WebhookPeckNotifier.Builder b) {
    WebhookPeckNotifier n = b.build();
    notifiers.add(n);
    return n;
  }

  static Peck peck(PeckState state) {
    Instant at = Instant.parse("2026-12-06T22:00:00Z");
    boolean decided = state == PeckState.ACTIVE || state == PeckState.REJECTED || state == PeckState.CLOSED;
    return new Peck(
        new PeckId("pk_aaaaaaaaaaaaaaaaaaaaaaaaaa"),
        new AgentId("ag_bbbbbbbbbbbbbbbbbbbbbbbbbb"),
        new DucklingId("dk_cccccccccccccccccccccccccc"),
        Optional.of(new AgentId("ag_dddddddddddddddddddddddddd")),
        new AgentId("ag_eeeeeeeeeeeeeeeeeeeeeeeeee"),
        new CertId("ct_ffffffffffffffffffffffffff"),
        new DucklingId("dk_gggggggggggggggggggggggggg"),
        Set.of("files:read", "scope-token-never-sent"),
        Duration.ofHours(1),
        state,
        at,
        at.plus(Duration.ofHours(24)),
        decided ? Optional.of(at.plus(Duration.ofHours(2))) : Optional.empty(),
        decided ? Optional.of(new DucklingId("dk_gggggggggggggggggggggggggg")) : Optional.empty(),
        state == PeckState.ACTIVE ? Optional.of(new RuleId("sr_hhhhhhhhhhhhhhhhhhhhhhhhhh")) : Optional.empty(),
        state.isFinal() ? Optional.of("ag_eeeeeeeeeeeeeeeeeeeeeeeeee") : Optional.empty(),
        state.isFinal() ? Optional.of(ReasonCode.NO_LONGER_NEEDED) : Optional.empty());
  }

  /**
   * The receiver's side, written from the Standard Webhooks spec without the notifier's code: decode the
   * {@code whsec_} secret, HMAC-SHA256 over {@code id.timestamp.body}, compare in constant time with each
   * space-separated {@code v1,} signature, and reject timestamps outside the tolerance.
   */
  static boolean verifies(String whsec, WebhookReceiver.Received r, Instant now, Duration tolerance) throws Exception {
    if (r.id() == null || r.timestamp() == null || r.signature() == null) {
      return false;
    }
    long ts = Long.parseLong(r.timestamp());
    if (Math.abs(now.getEpochSecond() - ts) > tolerance.toSeconds()) {
      return false;
    }
    byte[] key = Base64.getDecoder().decode(whsec.substring("whsec_".length()));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    byte[] signed = (r.id() + "." + r.timestamp() + ".").getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[signed.length + r.body().length];
    System.arraycopy(signed, 0, all, 0, signed.length);
    System.arraycopy(r.body(), 0, all, signed.length, r.body().length);
    byte[] expected = mac.doFinal(all);
    for (String sig : r.signature().split(" ")) {
      String[] parts = sig.split(",", 2);
      if (parts.length == 2 && parts[0].equals("v1") && MessageDigest.isEqual(expected, Base64.getDecoder().decode(parts[1]))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void knownAnswer_fromTheStandardWebhooksReferenceLibraries() {
    // The test vector of the reference libraries (checked with `openssl dgst -sha256 -mac HMAC`).
    WebhookSecret s = WebhookSecret.parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    assertEquals(
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
        s.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void delivery_isASignedStandardWebhook_thatAnIndependentVerifierAccepts() throws Exception {
    WebhookPeckNotifier n = build(notifier());
    n.onTransition(peck(PeckState.REQUESTED));
    WebhookReceiver.Received r = receiver.next();

    assertTrue(r.id().matches("msg_[A-Za-z0-9_-]{22}"), r.id());
    assertEquals(Long.toString(T0.getEpochSecond()), r.timestamp());
    assertTrue(r.signature().startsWith("v1,"));
    assertTrue(r.contentType().contains("application/json"));
    assertTrue(verifies(WHSEC, r, T0, Duration.ofMinutes(5)));
    assertFalse(verifies(WHSEC_2, r, T0, Duration.ofMinutes(5)), "another secret does not verify");
    assertFalse(verifies(WHSEC, r, T0.plus(Duration.ofMinutes(6)), Duration.ofMinutes(5)), "a stale timestamp is refused");
    byte[] tampered = r.text().replace("peck.requested", "peck.approved").getBytes(StandardCharsets.UTF_8);
    assertFalse(
        verifies(WHSEC, new WebhookReceiver.Received(r.path(), r.id(), r.timestamp(), r.signature(), r.contentType(), tampered), T0, Duration.ofMinutes(5)));

    JsonNode event = JSON.readTree(r.body());
    assertEquals("peck.requested", event.get("type").textValue());
    assertEquals(T0.toString(), event.get("timestamp").textValue());
    JsonNode d = event.get("data");
    assertEquals("pk_aaaaaaaaaaaaaaaaaaaaaaaaaa", d.get("peck_id").textValue());
    assertEquals("requested", d.get("state").textValue());
    assertEquals("ag_bbbbbbbbbbbbbbbbbbbbbbbbbb", d.get("requester").textValue());
    assertEquals("ag_dddddddddddddddddddddddddd", d.get("sponsor").textValue());
    assertEquals("ag_eeeeeeeeeeeeeeeeeeeeeeeeee", d.get("target").textValue());
    assertEquals("ct_ffffffffffffffffffffffffff", d.get("target_cert").textValue());
    assertEquals("2026-12-06T22:00:00Z", d.get("requested_at").textValue());
    assertTrue(d.get("session_expires_at").isNull());
    assertEquals("/hooks/peck?token=url-token-in-query", r.path());
    n.close();
    assertEquals(new WebhookPeckNotifier.Stats(1, 1, 0, 0, 0, 0), n.stats());
  }

  @Test
  @Tag("P7")
  void payload_carriesIdsStateAndTimesOnly() throws Exception {
    for (PeckState s : PeckState.values()) {
      byte[] body = PeckEvents.payload(peck(s), T0);
      String text = new String(body, StandardCharsets.UTF_8);
      assertFalse(text.contains("scope-token-never-sent"), "no scope");
      assertFalse(text.contains("files:read"), "no scope");
      JsonNode e = JSON.readTree(body);
      assertEquals(Set.of("type", "timestamp", "data"), fieldNames(e));
      assertEquals(
          Set.of("peck_id", "state", "requester", "requester_operator", "sponsor", "target", "target_cert",
              "target_operator", "requested_at", "request_expires_at", "session_expires_at", "decided_by",
              "approval_rule", "closed_by", "reason"),
          fieldNames(e.get("data")));
      assertEquals(PeckEvents.type(s), e.get("type").textValue());
    }
    assertEquals("peck.approved", PeckEvents.type(PeckState.ACTIVE));
    assertEquals("peck.declined", PeckEvents.type(PeckState.DECLINED));
    JsonNode closed = JSON.readTree(PeckEvents.payload(peck(PeckState.CLOSED), T0)).get("data");
    assertEquals("no_longer_needed", closed.get("reason").textValue());
    assertEquals("ag_eeeeeeeeeeeeeeeeeeeeeeeeee", closed.get("closed_by").textValue());
  }

  private static Set<String> fieldNames(JsonNode n) {
    Set<String> s = new HashSet<>();
    n.fieldNames().forEachRemaining(s::add);
    return s;
  }

  @Test
  void serverErrors_areRetriedWithBackoff_thenDelivered_sameIdFreshTimestamp() throws Exception {
    receiver.answer(500);
    receiver.answer(503);
    WebhookPeckNotifier n = build(notifier().initialBackoff(Duration.ofSeconds(1)).maxBackoff(Duration.ofMinutes(5)));
    n.onTransition(peck(PeckState.ACCEPTED));
    WebhookReceiver.Received first = receiver.next();

    ManualScheduler.Task retry1 = scheduler.next();
    assertBetween(retry1.delay(), Duration.ofMillis(500), Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(30));
    retry1.run().run();
    WebhookReceiver.Received second = receiver.next();

    ManualScheduler.Task retry2 = scheduler.next();
    assertBetween(retry2.delay(), Duration.ofSeconds(1), Duration.ofSeconds(2));
    clock.advance(Duration.ofSeconds(30));
    retry2.run().run();
    WebhookReceiver.Received third = receiver.next();

    assertEquals(first.id(), second.id());
    assertEquals(first.id(), third.id());
    assertEquals(Long.toString(T0.getEpochSecond() + 60), third.timestamp(), "each attempt is stamped anew");
    assertTrue(verifies(WHSEC, third, clock.instant(), Duration.ofMinutes(5)));
    assertTrue(java.util.Arrays.equals(first.body(), third.body()), "the event itself does not change");
    n.close();
    assertEquals(new WebhookPeckNotifier.Stats(1, 1, 2, 0, 0, 0), n.stats());
    assertTrue(scheduler.tasks.isEmpty());
  }

  private static void assertBetween(Duration d, Duration min, Duration max) {
    assertTrue(d.compareTo(min) >= 0 && d.compareTo(max) <= 0, d + " not in [" + min + ", " + max + "]");
  }

  @Test
  void clientErrors_areNotRetried() throws Exception {
    receiver.answer(400);
    receiver.answer(410);
    receiver.answer(302);
    WebhookPeckNotifier n = build(notifier());
    n.onTransition(peck(PeckState.DECLINED));
    n.onTransition(peck(PeckState.REJECTED));
    n.onTransition(peck(PeckState.EXPIRED));
    receiver.next();
    receiver.next();
    receiver.next();
    n.close();
    assertEquals(new WebhookPeckNotifier.Stats(3, 0, 0, 3, 0, 0), n.stats());
    assertTrue(scheduler.tasks.isEmpty());
    assertTrue(receiver.received.isEmpty());
  }

  @Test
  void tooManyRequests_waitsForRetryAfter_andAFarRetryAfterIsNotMade() throws Exception {
    receiver.answer(429, "120");
    receiver.answer(503, "7200");
    WebhookPeckNotifier n = build(notifier().maxRetryDelay(Duration.ofHours(1)));
    n.onTransition(peck(PeckState.ACTIVE));
    receiver.next();
    ManualScheduler.Task retry = scheduler.next();
    assertEquals(Duration.ofSeconds(120), retry.delay());
    retry.run().run();
    receiver.next();
    assertTrue(n.awaitIdle(Duration.ofSeconds(10)));
    assertTrue(scheduler.tasks.isEmpty(), "a 2 h Retry-After is beyond the 1 h limit");
    assertEquals(new WebhookPeckNotifier.Stats(1, 0, 1, 1, 0, 0), n.stats());
  }

  @Test
  void attempts_areBounded() throws Exception {
    for (int i = 0; i < 3; i++) {
      receiver.answer(500);
    }
    WebhookPeckNotifier n = build(notifier().maxAttempts(3));
    n.onTransition(peck(PeckState.REQUESTED));
    receiver.next();
    scheduler.next().run().run();
    receiver.next();
    scheduler.next().run().run();
    receiver.next();
    assertTrue(n.awaitIdle(Duration.ofSeconds(10)));
    assertTrue(scheduler.tasks.isEmpty(), "no fourth attempt");
    assertEquals(new WebhookPeckNotifier.Stats(1, 0, 2, 1, 0, 0), n.stats());
  }

  @Test
  void networkError_isRetried_andAWaitingRetryIsAbandonedAtClose() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    WebhookPeckNotifier n =
        build(
            WebhookPeckNotifier.builder()
                .endpoint(URI.create("http://127.0.0.1:" + port + "/hook"), WebhookSecret.parse(WHSEC))
                .clock(clock)
                .scheduler(scheduler)
                .random(new Random(1)));
    n.onTransition(peck(PeckState.REQUESTED));
    ManualScheduler.Task retry = scheduler.next();
    assertBetween(retry.delay(), Duration.ofMillis(500), Duration.ofSeconds(1));
    n.close();
    retry.run().run(); // fires after close: nothing is sent, nothing counted twice
    assertEquals(new WebhookPeckNotifier.Stats(1, 0, 1, 1, 0, 0), n.stats());
  }

  @Test
  void fullQueue_dropsCountsAndWarns_withoutBlockingTheCaller() throws Exception {
    CountDownLatch release = receiver.hang();
    WebhookPeckNotifier n = build(notifier().queueCapacity(2));
    try (CapturedStderr err = new CapturedStderr()) {
      for (int i = 0; i < 7; i++) {
        n.onTransition(peck(PeckState.REQUESTED)); // returns although the receiver answers nothing
      }
      WebhookPeckNotifier.Stats s = n.stats();
      assertEquals(2, s.accepted());
      assertEquals(5, s.dropped());
      assertEquals(2, s.outstanding());
      String logged = err.text();
      assertTrue(logged.contains("WARN") && logged.contains("peck notification dropped"), logged);
      assertEquals(3, count(logged, "peck notification dropped"), "the 1st, 2nd and 4th drop are logged: " + logged);
    }
    release.countDown();
    n.close();
    assertEquals(new WebhookPeckNotifier.Stats(2, 2, 0, 0, 5, 0), n.stats());
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void everyEndpoint_getsTheEventSignedWithItsOwnSecret() throws Exception {
    WebhookPeckNotifier n =
        build(notifier().endpoint(receiver.url("/second"), WebhookSecret.parse(WHSEC_2)).workers(2));
    n.onTransition(peck(PeckState.CLOSED));
    WebhookReceiver.Received a = receiver.next();
    WebhookReceiver.Received b = receiver.next();
    WebhookReceiver.Received first = a.path().startsWith("/hooks") ? a : b;
    WebhookReceiver.Received second = first == a ? b : a;
    assertEquals("/second", second.path());
    assertEquals(first.id(), second.id());
    assertTrue(verifies(WHSEC, first, T0, Duration.ofMinutes(5)));
    assertTrue(verifies(WHSEC_2, second, T0, Duration.ofMinutes(5)));
    assertFalse(verifies(WHSEC, second, T0, Duration.ofMinutes(5)));
  }

  @Test
  void close_drainsWhatIsQueued_thenRefusesMore() throws Exception {
    WebhookPeckNotifier n = build(notifier());
    for (int i = 0; i < 5; i++) {
      n.onTransition(peck(PeckState.REQUESTED));
    }
    n.close();
    assertEquals(5, receiver.received.size());
    assertEquals(new WebhookPeckNotifier.Stats(5, 5, 0, 0, 0, 0), n.stats());
    n.onTransition(peck(PeckState.ACCEPTED));
    assertEquals(1, n.stats().dropped());
    n.close(); // idempotent
  }

  @Test
  void close_givesUpAtItsDeadline() throws Exception {
    CountDownLatch release = receiver.hang();
    try {
      WebhookPeckNotifier n = build(notifier().drainTimeout(Duration.ofMillis(300)));
      n.onTransition(peck(PeckState.REQUESTED));
      n.onTransition(peck(PeckState.REQUESTED));
      receiver.next(); // the first is in flight, the second queued
      n.close();
      WebhookPeckNotifier.Stats s = n.stats();
      assertEquals(0, s.delivered());
      assertTrue(s.failed() >= 1, s.toString());
    } finally {
      release.countDown();
    }
  }

  @Test
  void noSecretOrSignature_inLogsOrPayload_andNoUrlQuery_inLogs() throws Exception {
    receiver.answer(500);
    receiver.answer(404);
    WebhookPeckNotifier n = build(notifier().maxAttempts(2));
    try (CapturedStderr err = new CapturedStderr()) {
      n.onTransition(peck(PeckState.REQUESTED));
      WebhookReceiver.Received r = receiver.next();
      scheduler.next().run().run();
      WebhookReceiver.Received r2 = receiver.next();
      n.close();
      String logged = err.text();
      assertTrue(logged.contains("not delivered: HTTP 404"), logged);
      String key = WHSEC.substring("whsec_".length());
      for (String secret : List.of(WHSEC, key, r.signature(), r.signature().substring(3), r2.signature().substring(3), "url-token-in-query", "/hooks/peck")) {
        assertFalse(logged.contains(secret), "logged: " + secret);
        assertFalse(r.text().contains(secret), "in payload: " + secret);
      }
      assertFalse(n.toString().contains(key));
      assertFalse(WebhookSecret.parse(WHSEC).toString().contains(key));
    }
  }

  @Test
  void backoff_doublesUpToItsCap_withJitterInTheUpperHalf() {
    Random r = new Random(3);
    Duration first = Duration.ofSeconds(1);
    Duration cap = Duration.ofMinutes(5);
    for (int attempt = 1; attempt <= 80; attempt++) {
      long exp = Math.min(cap.toMillis(), attempt > 40 ? Long.MAX_VALUE : 1000L << (attempt - 1));
      Duration d = WebhookPeckNotifier.backoff(attempt, first, cap, r);
      assertBetween(d, Duration.ofMillis(exp - exp / 2), Duration.ofMillis(exp));
    }
    Duration huge = WebhookPeckNotifier.backoff(61, Duration.ofDays(1000), Duration.ofDays(100_000), r);
    assertTrue(!huge.isNegative() && huge.compareTo(Duration.ofDays(100_000)) <= 0, "no overflow: " + huge);
  }

  @Test
  void secret_mustBeWhsecBase64OfAtLeast24Bytes_andErrorsDoNotEchoIt() {
    String shortKey = "whsec_" + Base64.getEncoder().encodeToString(bytes(16, 1));
    for (String bad : List.of("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not*base64!", shortKey)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WebhookSecret.parse(bad));
      assertFalse(e.getMessage().contains(bad.substring(6)));
    }
  }

  @Test
  void fromEnvironment_readsUrlsAndSecret_andRefusesPlainHttpElsewhere() throws Exception {
    WebhookPeckNotifier n =
        WebhookPeckNotifier.fromEnvironment(
            Map.of(
                    WebhookPeckNotifier.URLS_ENV, receiver.url("/a") + ", " + receiver.url("/b"),
                    WebhookPeckNotifier.SECRET_ENV, WHSEC,
                    WebhookPeckNotifier.QUEUE_ENV, "10",
                    WebhookPeckNotifier.WORKERS_ENV, "1",
                    WebhookPeckNotifier.ATTEMPTS_ENV, "1",
                    WebhookPeckNotifier.TIMEOUT_ENV, "5s")
                ::get);
    notifiers.add(n);
    n.onTransition(peck(PeckState.REQUESTED));
    Set<String> paths = Set.of(receiver.next().path(), receiver.next().path());
    assertEquals(Set.of("/a", "/b"), paths);

    IllegalStateException plain =
        assertThrows(
            IllegalStateException.class,
            () ->
                WebhookPeckNotifier.fromEnvironment(
                    Map.of(WebhookPeckNotifier.URLS_ENV, "http://hooks.example/x", WebhookPeckNotifier.SECRET_ENV, WHSEC)::get));
    assertTrue(plain.getMessage().contains("https"));
    IllegalStateException badSecret =
        assertThrows(
            IllegalStateException.class,
            () ->
                WebhookPeckNotifier.fromEnvironment(
                    Map.of(WebhookPeckNotifier.URLS_ENV, "https://hooks.example/x", WebhookPeckNotifier.SECRET_ENV, "whsec_c2hvcnQ=")::get));
    assertFalse(badSecret.getMessage().contains("c2hvcnQ"));
    assertThrows(IllegalStateException.class, () -> WebhookPeckNotifier.builder().build());
    assertNull(new Env(Map.<String, String>of(WebhookPeckNotifier.URLS_ENV, "  ")::get).get(WebhookPeckNotifier.URLS_ENV));
  }
}
