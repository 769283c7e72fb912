package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Node.js agent example ({@code examples/node-agent/agent.mjs}) against a live server: the script
 * runs as a child process, requests a peck and polls while this test accepts it as the target agent
 * and approves it as the target's operator; it must then verify its session token offline against
 * the served JWK set and exit 0. Its {@code verify-token} command must refuse a token with a flipped
 * signature byte, changed claims, {@code alg: none}, the wrong audience or type, an expired token and
 * a tampered JWK set. Needs {@code SPACEDUCK_TEST_NODE} (a node binary, 18 or later): skipped with a
 * message naming it when absent, failed when {@code SPACEDUCK_TEST_REQUIRE_NODE=true}.
 */
class NodeAgentExampleTest {
  static final String NODE_ENV = "SPACEDUCK_TEST_NODE";
  static final String REQUIRE_ENV = "SPACEDUCK_TEST_REQUIRE_NODE";
  /** The bound on every wait for the child process; the script itself gives up approval after 60 s. */
  static final Duration BOUND = Duration.ofSeconds(90);

  static String node;
  static Path script;

  @TempDir Path dir;

  /** Per test (not once per class), so that a skip is reported on every test with its reason. */
  @BeforeEach
  void findNodeAndScript() {
    String path = System.getenv(NODE_ENV);
    boolean required = "true".equalsIgnoreCase(System.getenv(REQUIRE_ENV));
    if (path == null || path.isBlank()) {
      if (required) {
        fail(NODE_ENV + " is not set and " + REQUIRE_ENV + "=true");
      }
      Assumptions.abort("set " + NODE_ENV + " to a node binary (18 or later, e.g. $(command -v node)) to run the Node.js agent example");
    }
    String problem = unusable(path);
    if (problem != null) {
      if (required) {
        fail(NODE_ENV + "=" + path + ": " + problem);
      }
      Assumptions.abort(NODE_ENV + "=" + path + ": " + problem + " (set " + REQUIRE_ENV + "=true to fail instead)");
    }
    node = path;
    // surefire runs in the module directory; the example lives at the repository root
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("examples/node-agent/agent.mjs"))) {
        script = p.resolve("examples/node-agent/agent.mjs");
        return;
      }
    }
    fail("examples/node-agent/agent.mjs not found above " + Path.of("").toAbsolutePath());
  }

  /** Null when {@code path --version} says v18 or later within the bound, else why not. */
  private static String unusable(String path) {
    try {
      Process p = new ProcessBuilder(path, "--version").redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return "node --version failed: " + out;
      }
      Matcher m = Pattern.compile("^v(\\d+)\\.").matcher(out);
      return m.find() && Integer.parseInt(m.group(1)) >= 18 ? null : "not Node.js 18 or later: " + out;
    } catch (IOException e) {
      return "cannot run it: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Two operators (requester's and target's), each with one agent, created over HTTP. */
  private record World(Fixture f, String ada, String bob, String scout, String scoutId, String relay, String relayId,
      String relayCert) {}

  private World world(Fixture f) {
    ValidatingClient c = f.client;
    String admin = f.bootstrapAdmin();
    var ada = f.hatch("Ada", "ada@example.org").json();
    var bob = f.hatch("Bob", "bob@example.org").json();
    for (JsonNode d : List.of(ada, bob)) {
      c.post("/beak/identities/" + d.path("duckling").path("id").asText() + "/promote", admin, Fixture.obj().put("tier", "T2")).expect(200);
    }
    String adaKey = ada.path("key").path("key").asText();
    String bobKey = bob.path("key").path("key").asText();
    var scout = c.post("/beak/bonds", adaKey, Fixture.obj().put("agent_name", "scout-7").put("tier", "T1")).expect(201).json();
    var relay = c.post("/beak/bonds", bobKey, Fixture.obj().put("agent_name", "relay-2").put("tier", "T1")).expect(201).json();
    return new World(f, adaKey, bobKey, scout.path("key").path("key").asText(), scout.path("agent").path("id").asText(),
        relay.path("key").path("key").asText(), relay.path("agent").path("id").asText(),
        relay.path("certificate").path("cert_id").asText());
  }

  /** The engine's clock at the wall clock: the script checks exp and iat against real time. */
  private static void clockToNow(Fixture f) {
    f.clock.advance(Duration.between(f.clock.instant(), Instant.now().truncatedTo(ChronoUnit.SECONDS)));
  }

  @Test
  @Tag("P5")
  void theAgentExample_pulsesPecksWaitsForApproval_andVerifiesItsSessionTokenOffline() throws Exception {
    try (Fixture f = new Fixture(dir)) {
      clockToNow(f);
      World w = world(f);
      ValidatingClient c = f.client;
      String scoutKeyId = c.get("/beak/whoami", w.scout).expect(200).text("key_id");

      ProcessBuilder pb = new ProcessBuilder(node, script.toString()).redirectErrorStream(true);
      pb.environment().clear();
      pb.environment().putAll(Map.of(
          "SPACEDUCK_URL", f.server.uri().toString(),
          "SPACEDUCK_KEY", w.scout,
          "SPACEDUCK_TARGET_CERT", w.relayCert,
          "SPACEDUCK_SCOPE", "chat:read telemetry:read",
          "SPACEDUCK_DURATION", "900",
          "SPACEDUCK_WAIT_SECONDS", "60"));
      Child agent = Child.start(pb);
      try {
        // the script prints the peck id, then polls: accept as the target agent, approve as its operator
        String requested = agent.awaitLine("peck requested: ");
        Matcher m = Pattern.compile("(pk_[a-z2-7]+)").matcher(requested);
        assertTrue(m.find(), requested);
        String peckId = m.group(1);
        assertEquals(peckId, c.get("/beak/pecks/inbox", w.relay).expect(200).json().path("items").get(0).path("peck_id").asText());
        assertEquals("accepted", c.post("/beak/pecks/" + peckId + "/accept", w.relay, (String) null).expect(200).text("state"));
        assertEquals("active", c.post("/beak/pecks/" + peckId + "/approve", w.bob, (String) null).expect(200).text("state"));

        int rc = agent.awaitExit();
        String out = agent.output();
        assertEquals(0, rc, out);
        assertTrue(out.contains("whoami: " + w.scoutId + " (agent, T1), key id " + scoutKeyId), out);
        assertTrue(out.contains("peck " + peckId + ": active"), out);
        assertTrue(out.contains("session token verified offline: sub=" + w.scoutId + " aud=" + w.relayId + " peck=" + peckId
            + " scope=\"chat:read telemetry:read\""), out);
        assertFalse(out.contains(w.scout), "the Beak Key never appears in the output");
        assertFalse(out.contains("eyJ"), "no token or JWS appears in the output");
        // the pulse reached the engine
        assertEquals(1, c.get("/beak/agents/" + w.scoutId + "/pulses", w.ada).expect(200).json().path("items").size());
      } finally {
        agent.destroy();
      }
    }
  }

  @Test
  void theAgentExample_refusedByTheApi_printsTheProblemCode_andExitsNonZero() throws Exception {
    try (Fixture f = new Fixture(dir)) {
      clockToNow(f);
      World w = world(f);
      ProcessBuilder pb = new ProcessBuilder(node, script.toString()).redirectErrorStream(true);
      pb.environment().clear();
      pb.environment().putAll(Map.of("SPACEDUCK_URL", f.server.uri().toString(), "SPACEDUCK_KEY", w.scout + "x",
          "SPACEDUCK_TARGET_CERT", w.relayCert));
      Child agent = Child.start(pb);
      try {
        int rc = agent.awaitExit();
        assertEquals(1, rc, agent.output());
        assertTrue(agent.output().contains("GET /beak/whoami refused: HTTP 401 unauthenticated"), agent.output());
        assertFalse(agent.output().contains(w.scout), "the Beak Key never appears in the output");
      } finally {
        agent.destroy();
      }
    }
  }

  @Test
  @Tag("P5")
  void verifyToken_acceptsTheRealToken_andRefusesEveryTamperedOne() throws Exception {
    try (Fixture f = new Fixture(dir)) {
      ValidatingClient c = f.client;
      // first a peck whose session ended two hours ago (by the wall clock), then one that is live
      f.clock.advance(Duration.between(f.clock.instant(), Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.SECONDS)));
      World w = world(f);
      String expired = approvedSessionToken(w, 600);
      clockToNow(f);
      String token = approvedSessionToken(w, 900);
      Path jwksFile = dir.resolve("jwks.json");
      String jwks = c.get("/.well-known/jwks.json", null).expect(200).body();
      Files.writeString(jwksFile, jwks);
      String base = f.server.uri().toString();

      // the control: the genuine token verifies, for its peer, against the live and the saved JWK set
      Run ok = verify(base, token, "--audience", w.relayId, "--subject", w.scoutId);
      assertEquals(0, ok.rc, ok.out);
      assertTrue(ok.out.contains("session token verified offline: sub=" + w.scoutId + " aud=" + w.relayId), ok.out);
      assertEquals(0, verify(base, token, "--audience", w.relayId, "--jwks", jwksFile.toString()).rc);

      String[] parts = token.split("\\.");
      byte[] sig = Base64.getUrlDecoder().decode(parts[2]);
      sig[sig.length / 2] ^= 0x01;
      String flipped = parts[0] + "." + parts[1] + "." + b64(sig);
      assertRefused(verify(base, flipped, "--audience", w.relayId), "signature does not verify");

      ObjectNode claims = (ObjectNode) ValidatingClient.JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
      claims.put("exp", claims.path("exp").asLong() + 86_400);
      String extended = parts[0] + "." + b64(claims.toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
      assertRefused(verify(base, extended, "--audience", w.relayId), "signature does not verify");

      ObjectNode header = (ObjectNode) ValidatingClient.JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
      String none = b64(header.deepCopy().put("alg", "none").toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
      assertRefused(verify(base, none, "--audience", w.relayId), "alg \"none\" is not ES256");
      String hs256 = b64(header.deepCopy().put("alg", "HS256").toString().getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + "." + parts[2];
      assertRefused(verify(base, hs256, "--audience", w.relayId), "alg \"HS256\" is not ES256");

      assertRefused(verify(base, token, "--audience", w.scoutId), "aud is not exactly the expected peer");
      assertRefused(verify(base, token, "--audience", w.relayId, "--subject", w.relayId), "sub is not the expected agent");
      assertRefused(verify(base, expired, "--audience", w.relayId), "expired");
      String certJws = c.get("/beak/cert?cert_id=" + w.relayCert, w.scout).expect(200).text("jws");
      assertRefused(verify(base, certJws, "--audience", w.relayId), "typ is not sd-peck+jwt");

      // a JWK set whose key for this kid is another P-256 key: the signature no longer verifies
      ObjectNode set = (ObjectNode) ValidatingClient.JSON.readTree(jwks);
      var gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      ECPublicKey other = (ECPublicKey) gen.generateKeyPair().getPublic();
      for (JsonNode k : set.path("keys")) {
        ((ObjectNode) k).put("x", b64(unsigned32(other.getW().getAffineX()))).put("y", b64(unsigned32(other.getW().getAffineY())));
      }
      Path tampered = dir.resolve("tampered-jwks.json");
      Files.writeString(tampered, set.toString());
      assertRefused(verify(base, token, "--audience", w.relayId, "--jwks", tampered.toString()), "signature does not verify");
      Files.writeString(tampered, "{\"keys\":[]}");
      assertRefused(verify(base, token, "--audience", w.relayId, "--jwks", tampered.toString()), "kid not in the JWK set");
    }
  }

  /** Peck scout → relay, accepted and approved, and the scout's session token (aud = relay). */
  private static String approvedSessionToken(World w, int seconds) {
    ValidatingClient c = w.f.client;
    String peckId = c.post("/beak/peck", w.scout, Fixture.obj().put("target_cert_id", w.relayCert).put("duration_seconds", seconds)
        .set("scope", ValidatingClient.JSON.createArrayNode().add("chat:read"))).expect(201).text("peck_id");
    c.post("/beak/pecks/" + peckId + "/accept", w.relay, (String) null).expect(200);
    c.post("/beak/pecks/" + peckId + "/approve", w.bob, (String) null).expect(200);
    return c.post("/beak/pecks/" + peckId + "/session", w.scout, (String) null).expect(201).text("token");
  }

  private record Run(int rc, String out) {}

  /** {@code node agent.mjs verify-token ARGS}, the token on stdin. */
  private static Run verify(String base, String token, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(node, script.toString(), "verify-token"));
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().put("SPACEDUCK_URL", base);
    Child child = Child.start(pb);
    try {
      try (OutputStream in = child.process.getOutputStream()) {
        in.write(token.getBytes(StandardCharsets.UTF_8));
      }
      return new Run(child.awaitExit(), child.output());
    } finally {
      child.destroy();
    }
  }

  private static void assertRefused(Run r, String reason) {
    assertEquals(3, r.rc, "exit 3 (token invalid) expected: " + r.out);
    assertTrue(r.out.contains("token rejected: " + reason), r.out);
    assertFalse(r.out.contains("verified"), r.out);
  }

  private static String b64(byte[] b) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static byte[] unsigned32(BigInteger v) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - n, out, 32 - n, n);
    return out;
  }

  /** A child process whose merged output a thread reads line by line: the test waits on lines and on the exit, never sleeps. */
  private static final class Child {
    /** Put after the last line: the output ended. */
    static final String EOF = "\u0000end of output";
    final Process process;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final StringBuffer all = new StringBuffer();
    final Thread reader;

    private Child(Process process) {
      this.process = process;
      this.reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            all.append(line).append('\n');
            lines.add(line);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } finally {
          lines.add(EOF);
        }
      }, "node-output");
      reader.setDaemon(true);
      reader.start();
    }

    static Child start(ProcessBuilder pb) throws IOException {
      return new Child(pb.start());
    }

    String awaitLine(String prefix) throws InterruptedException {
      long deadline = System.nanoTime() + BOUND.toNanos();
      for (long left; (left = deadline - System.nanoTime()) > 0; ) {
        String line = lines.poll(left, TimeUnit.NANOSECONDS);
        if (line != null && line.startsWith(prefix)) {
          return line;
        }
        if (line == null || EOF.equals(line)) {
          break;
        }
      }
      return fail("no line starting with '" + prefix + "' within " + BOUND + "; output:\n" + all);
    }

    int awaitExit() throws InterruptedException {
      if (!process.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)) {
        fail("node did not exit within " + BOUND + "; output:\n" + all);
      }
      reader.join(BOUND.toMillis()); // the rest of the output
      return process.exitValue();
    }

    String output() {
      return all.toString();
    }

    void destroy() {
      process.destroyForcibly();
    }
  }
}
