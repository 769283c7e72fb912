package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers, each with its own engine, on one PostgreSQL store: a revocation made through one is
 * refused by the other on the very next call (K4, I3). Needs {@code SPACEDUCK_TEST_POSTGRES_URL};
 * skipped with a message naming it when absent, failed when {@code SPACEDUCK_TEST_REQUIRE_DATABASES=true}.
 */
class TwoInstancesOnPostgresTest {
  static final String URL_ENV = "SPACEDUCK_TEST_POSTGRES_URL";

  @TempDir Path dir;

  @Test
  @Tag("K4") @Tag("I3")
  void aRevocationThroughOneServer_isRefusedByTheOther_onTheNextCall() throws Exception {
    String base = System.getenv(URL_ENV);
    if (base == null || base.isBlank()) {
      if ("true".equalsIgnoreCase(System.getenv("SPACEDUCK_TEST_REQUIRE_DATABASES"))) {
        fail(URL_ENV + " is not set and SPACEDUCK_TEST_REQUIRE_DATABASES=true");
      }
      Assumptions.abort("set " + URL_ENV + " (e.g. jdbc:postgresql://127.0.0.1:5432/test?user=postgres) to run this test");
    }
    String schema = "sd_server_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
    try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    String url = base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    try (Fixture one = new Fixture(dir, url, b -> {}, s -> {}); Fixture two = new Fixture(dir, url, b -> {}, s -> {})) {
      String admin = one.bootstrapAdmin();
      var ada = one.hatch("Ada", "ada@example.org").json();
      String adaKey = ada.path("key").path("key").asText();
      two.client.post("/beak/identities/" + ada.path("duckling").path("id").asText() + "/promote", admin,
          Fixture.obj().put("tier", "T2")).expect(200);
      var scout = one.client.post("/beak/bonds", adaKey, Fixture.obj().put("agent_name", "scout")).expect(201).json();
      String scoutKey = scout.path("key").path("key").asText();
      String scoutKeyId = scout.path("key").path("key_id").asText();
      assertEquals(200, two.client.get("/beak/whoami", scoutKey).status(), "the other server knows the new key");
      one.client.post("/beak/unpeck", adaKey, Fixture.obj().put("key_id", scoutKeyId).put("reason", "compromised")).expect(200);
      two.client.get("/beak/whoami", scoutKey).problem(401, "unauthenticated");
      one.client.get("/beak/whoami", scoutKey).problem(401, "unauthenticated");
      assertEquals(true, two.client.get("/beak/audit/verify", admin).expect(200).json().path("valid").asBoolean());

      // the store goes away under both servers: readiness and every call answer 503 unavailable, nothing applied
      dropSchema(base, schema);
      two.client.get("/readyz", null).problem(503, "unavailable");
      one.client.get("/beak/whoami", adaKey).problem(503, "unavailable");
      two.client.get("/healthz", null).expect(200); // alive, just not ready
    } finally {
      dropSchema(base, schema);
    }
  }

  private static void dropSchema(String base, String schema) throws Exception {
    try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
