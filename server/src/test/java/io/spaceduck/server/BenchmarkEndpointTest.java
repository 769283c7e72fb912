package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.spaceduck.server.internal.OpenApiDocument;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark-only {@code GET /bench/bare} (docs/benchmarks.md): absent unless the host turns it
 * on, never in the OpenAPI document, and — when on — an answer of whoami's shape and size for a
 * duckling, so the load test's ratio compares like with like.
 */
class BenchmarkEndpointTest {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(URI base, String path, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  @Test
  void offByDefault_theBarePathIsNotARoute() throws Exception {
    try (Fixture f = new Fixture(dir)) {
      HttpResponse<String> r = get(f.server.uri(), "/bench/bare", null);
      assertEquals(404, r.statusCode());
      assertEquals("application/problem+json", r.headers().firstValue("content-type").orElse(""));
    }
  }

  @Test
  void whenOn_itAnswersWhoamisShapeAndSize_andStaysOutOfTheDocument() throws Exception {
    try (Fixture f = new Fixture(dir, "memory:", b -> {}, s -> s.benchmarkEndpoint(true))) {
      f.bootstrapAdmin();
      String key = f.hatch("Ada", "ada@example.org").json().path("key").path("key").asText();
      HttpResponse<String> who = get(f.server.uri(), "/beak/whoami", key);
      HttpResponse<String> bare = get(f.server.uri(), "/bench/bare", key);
      assertEquals(200, who.statusCode());
      assertEquals(200, bare.statusCode());
      var w = ValidatingClient.JSON.readTree(who.body());
      var b = ValidatingClient.JSON.readTree(bare.body());
      assertEquals(iterable(w.fieldNames()), iterable(b.fieldNames()));
      assertEquals(who.body().getBytes(StandardCharsets.UTF_8).length, bare.body().getBytes(StandardCharsets.UTF_8).length,
          who.body() + " vs " + bare.body());
      assertEquals(who.headers().firstValue("content-type"), bare.headers().firstValue("content-type"));
      assertEquals(who.headers().firstValue("cache-control"), bare.headers().firstValue("cache-control"));
      assertEquals(405, http.send(HttpRequest.newBuilder(f.server.uri().resolve("/bench/bare"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
      assertFalse(new String(OpenApiDocument.bytes(), StandardCharsets.UTF_8).contains("/bench"));
    }
  }

  private static java.util.List<String> iterable(java.util.Iterator<String> it) {
    java.util.List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
