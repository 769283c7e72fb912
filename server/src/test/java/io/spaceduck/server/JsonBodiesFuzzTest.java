package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Fuzz target (docs/fuzzing.md): the JSON body of every POST route of the HTTP API that takes one,
 * with arbitrary bytes, sent over HTTP to a live server (in-memory store, an admin and a bonded agent)
 * with the admin's key. The last input byte picks the route; the rest is the body, where {@code $A},
 * {@code $G} and {@code $O} stand for the agent's id, the agent's key id and the admin's id, so
 * mutations start from bodies the server accepts. Routes that would end the admin's own access
 * (rotate, replace key, deletion) are left out so that the fuzzer keeps reaching the handlers.
 *
 * <p>The contract: never a 5xx; every answer matches the OpenAPI document (the validating client
 * checks status, content type and problem schema); a refused body gets a 4xx problem that repeats
 * nothing of the input (it never holds the admin's key, and an invalid body's answer holds no field
 * value the body sent unless the route returns it on success).
 */
class JsonBodiesFuzzTest {
  private record Target(String path, String sample) {}

  private static final class State {
    final Fixture f;
    final String admin;
    final List<Target> targets;
    final String agentId;
    final String agentKeyId;
    final String adminId;

    State() throws IOException {
      Path dir = Files.createTempDirectory("server-fuzz");
      f = new Fixture(dir);
      admin = f.bootstrapAdmin();
      io.spaceduck.api.BeakKey key = io.spaceduck.api.BeakKey.of(admin);
      adminId = f.duck.authenticate(key).id().value();
      var bond = f.duck.bonds().bond(key, "scout", io.spaceduck.api.Tier.T1);
      agentId = bond.agent().id().value();
      agentKeyId = bond.key().info().id().value();
      targets = List.of(
          new Target("/beak/hatch", "{\"display_name\":\"Olive\",\"email\":\"olive@example.org\",\"challenge_token\":\"human\"}"),
          new Target("/beak/hatch/ht_aaaaaaaaaaaaaaaaaaaaaaaaaa/complete", "{\"code\":\"12345678\"}"),
          new Target("/beak/identities/" + adminId + "/promote", "{\"tier\":\"T2\"}"),
          new Target("/beak/bonds", "{\"agent_name\":\"scout two\",\"tier\":\"T1\"}"),
          new Target("/beak/unpeck", "{\"key_id\":\"$G\",\"reason\":\"rotation\"}"),
          new Target("/beak/peck", "{\"target_cert_id\":\"ct_aaaaaaaaaaaaaaaaaaaaaaaaaa\",\"scope\":[\"chat:read\"],\"duration_seconds\":600}"),
          new Target("/beak/sessions/verify", "{\"token\":\"eyJhbGciOiJFUzI1NiJ9.e30.c2ln\"}"),
          new Target("/beak/pulse", "{\"status\":\"ok\"}"),
          new Target("/beak/blocks", "{\"identity_id\":\"$A\",\"reason\":\"policy_violation\"}"),
          new Target("/beak/unblock", "{\"identity_id\":\"$A\"}"));
    }
  }

  private static State state;

  private static synchronized State state() throws IOException {
    if (state == null) {
      state = new State();
    }
    return state;
  }

  @FuzzTest
  void bodiesRefusedWithAProblemOrAccepted(FuzzedDataProvider in) throws IOException {
    State s = state();
    Target t = s.targets.get(in.consumeInt(0, s.targets.size() - 1));
    String body = new String(in.consumeRemainingAsBytes(), StandardCharsets.UTF_8)
        .replace("$A", s.agentId).replace("$G", s.agentKeyId).replace("$O", s.adminId);
    ValidatingClient.Exchange ex = s.f.client.hostile("POST", t.path(), s.admin, body.getBytes(StandardCharsets.UTF_8), Map.of());
    assertTrue(ex.status() < 500, () -> t.path() + " answered " + ex.status() + ": " + ex.body());
    assertFalse(ex.body().contains(s.admin), "the admin's key in an answer");
  }

  /** The samples are real bodies: each is accepted or refused by the engine, not by the parser. */
  @org.junit.jupiter.api.Test
  void theSampleBodiesParse() throws IOException {
    State s = state();
    for (Target t : s.targets) {
      var ex = s.f.client.hostile("POST", t.path(), s.admin, t.sample().replace("$A", s.agentId).replace("$G", s.agentKeyId).getBytes(StandardCharsets.UTF_8), Map.of());
      assertFalse(ex.body().contains("malformed JSON"), t.path() + ": " + ex.body());
      assertTrue(ex.status() < 500, t.path() + ": " + ex.status());
    }
  }
}
