package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import io.spaceduck.server.internal.OpenApiDocument;
import io.spaceduck.server.internal.Route;
import io.spaceduck.server.internal.Routes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAPI document and the routing table describe the same API, and the document is what is served. */
class OpenApiContractTest {
  @TempDir Path dir;

  @Test
  void everyRouteIsDocumented_andEveryDocumentedOperationIsARoute() throws Exception {
    JsonNode doc = ValidatingClient.JSON.readTree(OpenApiDocument.bytes());
    assertEquals("3.1.0", doc.path("openapi").asText());
    Set<String> documented = new TreeSet<>();
    for (Iterator<Map.Entry<String, JsonNode>> p = doc.path("paths").fields(); p.hasNext(); ) {
      var path = p.next();
      for (Iterator<Map.Entry<String, JsonNode>> m = path.getValue().fields(); m.hasNext(); ) {
        var op = m.next();
        documented.add(op.getKey().toUpperCase() + " " + path.getKey() + " " + op.getValue().path("operationId").asText());
      }
    }
    Set<String> routed = Routes.describe().stream()
        .map(r -> r.method() + " " + r.template() + " " + r.operationId())
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(routed, documented);
  }

  @Test
  void bearerRoutes_andOnlyThose_requireTheBeakKeyInTheDocument() throws Exception {
    JsonNode doc = ValidatingClient.JSON.readTree(OpenApiDocument.bytes());
    for (Route r : Routes.describe()) {
      JsonNode op = doc.path("paths").path(r.template()).path(r.method().toLowerCase());
      boolean secured = op.path("security").size() > 0;
      assertEquals(r.access() == Route.Access.BEARER, secured, r.template());
    }
  }

  @Test
  void theServedDocumentIsTheResource() {
    try (Fixture f = new Fixture(dir)) {
      var ex = f.client.get("/beak/openapi.json", null).expect(200);
      assertEquals(new String(OpenApiDocument.bytes(), StandardCharsets.UTF_8), ex.body());
    }
  }

  /**
   * A negative control: the validator, on this OpenAPI 3.1 document, does catch a response that
   * drifts (an unknown field, a wrong type, a missing required field, an undocumented status) and a
   * request with an unknown field — so a passing exchange in the other tests means something.
   */
  @Test
  void theValidatorCatchesDrift() {
    OpenApiInteractionValidator v = ValidatingClient.validator();
    var req = SimpleRequest.Builder.post("/beak/pulse").withAuthorization("Bearer bk_x").withContentType("application/json")
        .withBody("{\"status\":\"ok\"}").build();
    String good = "{\"agent_id\":\"ag_aaaaaaaaaaaaaaaa\",\"operator_id\":\"dk_aaaaaaaaaaaaaaaa\",\"at\":\"2026-12-01T10:00:00Z\",\"status\":\"ok\"}";
    assertTrue(errors(v.validate(req, json(200, good))).isEmpty(), "the control passes");
    assertTrue(!errors(v.validate(req, json(200, good.replace("}", ",\"extra\":1}")))).isEmpty(), "unknown field");
    assertTrue(!errors(v.validate(req, json(200, good.replace("\"ok\"}", "7}")))).isEmpty(), "wrong type");
    assertTrue(!errors(v.validate(req, json(200, good.replace("\"status\":\"ok\",", "").replace(",\"status\":\"ok\"", "")))).isEmpty(),
        "missing field");
    assertTrue(!errors(v.validate(req, json(418, good))).isEmpty(), "undocumented status");
    var bad = SimpleRequest.Builder.post("/beak/pulse").withAuthorization("Bearer bk_x").withContentType("application/json")
        .withBody("{\"status\":\"ok\",\"mood\":\"calm\"}").build();
    assertTrue(!errors(v.validate(bad, json(200, good))).isEmpty(), "unknown request field");
  }

  /** Every enum the views render is the Java enum, lower-cased: a new engine state cannot drift past the document. */
  @Test
  void documentedEnums_areTheEnginesEnums() throws Exception {
    JsonNode schemas = ValidatingClient.JSON.readTree(OpenApiDocument.bytes()).path("components").path("schemas");
    assertEnum(schemas.path("Certificate").path("properties").path("status"), io.spaceduck.api.CertStatus.values());
    assertEnum(schemas.path("Identity").path("properties").path("status"), io.spaceduck.api.IdentityStatus.values());
    assertEnum(schemas.path("Identity").path("properties").path("kind"), io.spaceduck.api.IdentityKind.values());
    assertEnum(schemas.path("Identity").path("properties").path("roles").path("items"), io.spaceduck.api.Role.values());
    assertEnum(schemas.path("Principal").path("properties").path("roles").path("items"), io.spaceduck.api.Role.values());
    assertEnum(schemas.path("Bond").path("properties").path("status"), io.spaceduck.api.BondStatus.values());
    assertEnum(schemas.path("Key").path("properties").path("status"), io.spaceduck.api.KeyStatus.values());
    assertEnum(schemas.path("Peck").path("properties").path("state"), io.spaceduck.api.PeckState.values());
    assertEnum(schemas.path("AuditEvent").path("properties").path("outcome"), io.spaceduck.api.AuditOutcome.values());
    assertEnum(schemas.path("Certificate").path("properties").path("tier"), io.spaceduck.api.Tier.values());
    Set<String> codes = new TreeSet<>();
    schemas.path("Problem").path("properties").path("code").path("enum").forEach(n -> codes.add(n.asText()));
    assertEquals(new TreeSet<>(io.spaceduck.server.internal.ProblemCodes.all().keySet()), codes);
  }

  private static void assertEnum(JsonNode schema, Enum<?>[] values) {
    Set<String> documented = new TreeSet<>();
    schema.path("enum").forEach(n -> documented.add(n.asText()));
    Set<String> inJava = new TreeSet<>();
    for (Enum<?> v : values) {
      inJava.add(v instanceof io.spaceduck.api.Tier ? v.name() : v.name().toLowerCase(java.util.Locale.ROOT));
    }
    assertEquals(inJava, documented, schema.toString());
  }

  /** The document keeps to the part of 3.1 that means the same in 3.0, so the 3.0 validator enforces it as written. */
  @Test
  void theDocumentUsesNoKeywordThatOnly31Has() throws Exception {
    String doc = new String(OpenApiDocument.bytes(), StandardCharsets.UTF_8);
    JsonNode root = ValidatingClient.JSON.readTree(doc);
    java.util.List<String> found = new java.util.ArrayList<>();
    walk(root, "", found);
    assertEquals(java.util.List.of(), found);
  }

  private static void walk(JsonNode n, String at, java.util.List<String> found) {
    if (n.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        var e = it.next();
        String k = e.getKey();
        if (Set.of("const", "$defs", "prefixItems", "dependentSchemas", "unevaluatedProperties", "nullable", "exclusiveMinimum",
            "exclusiveMaximum", "examples", "webhooks", "jsonSchemaDialect").contains(k)
            || (k.equals("type") && e.getValue().isArray())) {
          found.add(at + "/" + k);
        }
        walk(e.getValue(), at + "/" + k, found);
      }
    } else if (n.isArray()) {
      for (JsonNode e : n) {
        walk(e, at + "[]", found);
      }
    }
  }

  private static SimpleResponse json(int status, String body) {
    return SimpleResponse.Builder.status(status).withContentType("application/json").withBody(body).build();
  }

  private static java.util.List<ValidationReport.Message> errors(ValidationReport r) {
    return r.getMessages().stream().filter(m -> m.getLevel() == ValidationReport.Level.ERROR).toList();
  }
}
