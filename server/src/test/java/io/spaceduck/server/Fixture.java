package io.spaceduck.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.SpaceDuckBuilder;
import io.spaceduck.conformance.MutableClock;
import io.spaceduck.core.DevelopmentKek;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * An engine on a fresh store (in memory unless given), a server on a free loopback port, and the
 * validating client. Hatch codes are captured by a recording {@code VerificationDelivery} (the SMTP
 * one is another module's job); the human check passes the token {@code "human"} only.
 */
final class Fixture implements AutoCloseable {
  static final String HUMAN = "human";

  final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
  final Map<String, String> codes = new ConcurrentHashMap<>();
  /** Runs inside the human check of every hatch start: a test can hold a request in flight with it. */
  volatile Runnable humanGate = () -> {};
  final SpaceDuck duck;
  final SpaceDuckServer server;
  final ValidatingClient client;

  Fixture(Path dir) {
    this(dir, "memory:", b -> {}, b -> {});
  }

  Fixture(Path dir, String storeUri, Consumer<SpaceDuckBuilder> engine, Consumer<SpaceDuckServer.Builder> server) {
    SpaceDuckBuilder b = SpaceDuck.builder()
        .storageUri(storeUri)
        .kek(DevelopmentKek.fromFile(dir.resolve("dev-kek.json")))
        .clock(clock)
        .humanCheck((token, source) -> {
          humanGate.run();
          return HUMAN.equals(token);
        })
        .verificationDelivery((email, hatch, code, expiresAt) -> codes.put(hatch.value(), code.reveal()));
    engine.accept(b);
    this.duck = b.build();
    SpaceDuckServer.Builder sb = SpaceDuckServer.builder().engine(duck).clock(clock).listen(new InetSocketAddress("127.0.0.1", 0));
    server.accept(sb);
    this.server = sb.start();
    this.client = new ValidatingClient(this.server.uri());
  }

  /** The one-time admin bootstrap (a host step, as duck init does; not an HTTP route). */
  String bootstrapAdmin() {
    HatchResult r = duck.admin().bootstrap("Mission Control", Email.of("admin@example.org"));
    return r.key().key().reveal();
  }

  static ObjectNode obj() {
    return ValidatingClient.JSON.createObjectNode();
  }

  /** Hatches a duckling over HTTP with the captured code; returns the complete reply. */
  ValidatingClient.Exchange hatch(String name, String email) {
    var start = client.post("/beak/hatch", null, obj().put("display_name", name).put("email", email).put("challenge_token", HUMAN)).expect(202);
    String hatchId = start.text("hatch_id");
    return client.post("/beak/hatch/" + hatchId + "/complete", null, obj().put("code", codes.get(hatchId))).expect(201);
  }

  /** The audit head (seq, hash) through the engine directly, to prove a refused request changed nothing. */
  String auditHead(String adminKey) {
    return duck.audit().verify(io.spaceduck.api.BeakKey.of(adminKey)).head().map(h -> h.seq() + ":" + h.hash().hex()).orElse("empty");
  }

  @Override
  public void close() {
    try {
      server.close();
    } finally {
      duck.close();
    }
  }
}
