package io.spaceduck.server.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("H1")
class TurnstileHumanCheckTest {
  private static final String HUMAN = "ip.0.human-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

  private TurnstileStub stub;

  @BeforeEach
  void start() throws IOException {
    stub = new TurnstileStub();
  }

  @AfterEach
  void stop() {
    stub.close();
  }

  private TurnstileHumanCheck.Builder check() {
    return TurnstileHumanCheck.builder()
        .secret(TurnstileStub.SECRET)
        .endpoint(stub.url())
        .connectTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(5));
  }

  private Map<String, String> nextRequest() throws InterruptedException {
    Map<String, String> r = stub.requests.poll(10, TimeUnit.SECONDS);
    assertNotNull(r, "the stub received no request");
    return r;
  }

  @Test
  void humanToken_passes_andTheDocumentedFormIsSent() throws Exception {
    assertTrue(check().build().verify(stub.issue(HUMAN), "203.0.113.7"));
    Map<String, String> form = nextRequest();
    assertEquals("POST", form.get(":method"));
    assertTrue(form.get(":content-type").startsWith("application/x-www-form-urlencoded"));
    assertEquals(TurnstileStub.SECRET, form.get("secret"));
    assertEquals(HUMAN, form.get("response"));
    assertEquals("203.0.113.7", form.get("remoteip"));
    UUID.fromString(form.get("idempotency_key")); // a UUID, as documented
  }

  @Test
  void ipv6Source_isSentAsRemoteIp_butAnOpaqueSourceIsNot() throws Exception {
    TurnstileHumanCheck c = check().build();
    assertTrue(c.verify(stub.issue(HUMAN + "6"), "2001:db8::1"));
    assertEquals("2001:db8::1", nextRequest().get("remoteip"));
    assertTrue(c.verify(stub.issue(HUMAN + "d"), "device:abc.example"));
    assertNull(nextRequest().get("remoteip"));
  }

  @Test
  void replayedToken_fails() {
    TurnstileHumanCheck c = check().build();
    assertTrue(c.verify(stub.issue(HUMAN), "203.0.113.7"));
    assertFalse(c.verify(HUMAN, "203.0.113.7"), "timeout-or-duplicate");
  }

  @Test
  void forgedToken_fails() {
    assertFalse(check().build().verify("forged-token", "203.0.113.7"));
  }

  @Test
  void wrongSecret_fails_andNeitherSecretNorTokenIsLogged() {
    String secret = "0x4AAAAAAAwrong-secret-never-logged";
    try (CapturedStderr err = new CapturedStderr()) {
      assertFalse(check().secret(secret).build().verify(stub.issue(HUMAN), "203.0.113.7"));
      String logged = err.text();
      assertTrue(logged.contains("invalid-input-secret"), logged);
      assertFalse(logged.contains(secret));
      assertFalse(logged.contains(HUMAN));
    }
  }

  @Test
  void emptyOrOverlongToken_failsWithoutAsking() {
    TurnstileHumanCheck c = check().build();
    assertFalse(c.verify("", "203.0.113.7"));
    assertFalse(c.verify(stub.issue("x".repeat(TurnstileHumanCheck.MAX_TOKEN_LENGTH + 1)), "203.0.113.7"));
    assertTrue(stub.requests.isEmpty());
  }

  @Test
  void expectedHostnameAndAction_mustMatch() {
    stub.serveFor("Example.COM", "hatch");
    assertTrue(check().expectedHostname("example.com").expectedAction("hatch").build().verify(stub.issue(HUMAN + "1"), "s"));
    assertFalse(check().expectedHostname("spaceduck.example").build().verify(stub.issue(HUMAN + "2"), "s"));
    assertFalse(check().expectedAction("login").build().verify(stub.issue(HUMAN + "3"), "s"));
    stub.answerRaw(200, "{\"success\":true,\"error-codes\":[]}", 1); // no hostname reported at all
    assertFalse(check().expectedHostname("example.com").build().verify(stub.issue(HUMAN + "4"), "s"));
  }

  @Test
  void slowAnswer_failsClosedWithinTheTimeout() throws Exception {
    TurnstileHumanCheck c = check().requestTimeout(Duration.ofMillis(300)).build();
    CountDownLatch release = stub.hang();
    try {
      assertFalse(c.verify(stub.issue(HUMAN), "203.0.113.7"));
      assertNotNull(nextRequest(), "the check did reach the stub");
    } finally {
      release.countDown();
    }
  }

  @Test
  void unreachableEndpoint_failsClosed() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    TurnstileHumanCheck c = check().endpoint(URI.create("http://127.0.0.1:" + port + "/siteverify")).build();
    assertFalse(c.verify(stub.issue(HUMAN), "203.0.113.7"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "not json",
        "[]",
        "[{\"success\":true}]",
        "\"success\"",
        "null",
        "{}",
        "{\"success\":\"true\"}",
        "{\"success\":1}",
        "{\"success\":null}",
        "{\"success\":true",
        "{\"success\":true} {\"success\":true}",
        "{\"success\":false,\"success\":true}",
        "{\"success\":false,\"error-codes\":[]}",
        "{\"success\":false,\"error-codes\":\"internal-error\"}",
        "{\"error-codes\":[],\"hostname\":\"example.com\"}"
      })
  void malformedOrNegativeAnswer_failsClosed(String body) {
    stub.answerRaw(200, body, 1);
    assertFalse(check().build().verify(stub.issue(HUMAN), "203.0.113.7"), body);
  }

  @Test
  void oversizedAnswer_failsClosed() {
    String padding = "x".repeat(TurnstileHumanCheck.MAX_RESPONSE_BYTES);
    stub.answerRaw(200, "{\"success\":true,\"cdata\":\"" + padding + "\"}", 1);
    assertFalse(check().build().verify(stub.issue(HUMAN), "203.0.113.7"));
  }

  @ParameterizedTest
  @ValueSource(ints = {201, 204, 301, 302, 400, 403, 404, 429, 500, 502, 503})
  void statusOtherThan200_failsClosed_evenWithASuccessBody(int status) {
    stub.answerRaw(status, status == 204 ? "" : "{\"success\":true,\"error-codes\":[]}", 1);
    assertFalse(check().build().verify(stub.issue(HUMAN), "203.0.113.7"), "HTTP " + status);
  }

  @Test
  void retries_reuseTheIdempotencyKey_onServerErrorsAndInternalError() throws Exception {
    TurnstileHumanCheck c = check().maxAttempts(3).build();
    stub.answerRaw(503, "", 1);
    assertTrue(c.verify(stub.issue(HUMAN), "203.0.113.7"));
    String key = nextRequest().get("idempotency_key");
    assertEquals(key, nextRequest().get("idempotency_key"));

    stub.answerRaw(200, "{\"success\":false,\"error-codes\":[\"internal-error\"]}", 2);
    assertTrue(c.verify(stub.issue(HUMAN + "2"), "203.0.113.7"));
    assertEquals(3, stub.requests.size());

    stub.requests.clear();
    stub.answerRaw(500, "", 3);
    assertFalse(c.verify(stub.issue(HUMAN + "3"), "203.0.113.7"), "attempts are bounded");
    assertEquals(3, stub.requests.size());
  }

  @Test
  void noRetryByDefault_andNoneOnANegativeVerdict() {
    stub.answerRaw(503, "", 1);
    assertFalse(check().build().verify(stub.issue(HUMAN), "203.0.113.7"));
    assertEquals(1, stub.requests.size());
    stub.requests.clear();
    assertFalse(check().maxAttempts(3).build().verify("forged", "203.0.113.7"));
    assertEquals(1, stub.requests.size());
  }

  @Test
  void toString_hidesTheSecret() {
    assertFalse(check().build().toString().contains(TurnstileStub.SECRET));
  }

  @Test
  void fromEnvironment_needsTheSecret_andNeverEchoesValues() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> TurnstileHumanCheck.fromEnvironment(Map.<String, String>of()::get));
    assertTrue(e.getMessage().contains(TurnstileHumanCheck.SECRET_ENV));
    IllegalStateException bad =
        assertThrows(
            IllegalStateException.class,
            () ->
                TurnstileHumanCheck.fromEnvironment(
                    Map.of(TurnstileHumanCheck.SECRET_ENV, "s3cr3t", TurnstileHumanCheck.TIMEOUT_ENV, "soon-ish")::get));
    assertFalse(bad.getMessage().contains("soon-ish"));

    TurnstileHumanCheck c =
        TurnstileHumanCheck.fromEnvironment(
            Map.of(
                    TurnstileHumanCheck.SECRET_ENV, TurnstileStub.SECRET,
                    TurnstileHumanCheck.ENDPOINT_ENV, stub.url().toString(),
                    TurnstileHumanCheck.HOSTNAME_ENV, "example.com",
                    TurnstileHumanCheck.ACTION_ENV, "other",
                    TurnstileHumanCheck.TIMEOUT_ENV, "2s")
                ::get);
    assertFalse(c.verify(stub.issue(HUMAN), "203.0.113.7"), "the action from the environment is enforced");
  }

  @Test
  void plainHttpEndpoint_onlyToLoopback() {
    assertThrows(
        IllegalArgumentException.class,
        () -> TurnstileHumanCheck.builder().endpoint(URI.create("http://challenges.example/siteverify")));
    assertThrows(
        IllegalArgumentException.class,
        () -> TurnstileHumanCheck.builder().endpoint(URI.create("http://127.evil.example/siteverify")));
    assertThrows(IllegalStateException.class, () -> TurnstileHumanCheck.builder().build());
  }
}
