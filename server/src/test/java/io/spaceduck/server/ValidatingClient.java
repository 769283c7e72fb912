package io.spaceduck.server;

import static org.junit.jupiter.api.Assertions.fail;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spaceduck.server.internal.OpenApiDocument;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The tests' HTTP client (the JDK's, over a real socket) that checks every exchange against the
 * served OpenAPI document with Atlassian's swagger-request-validator: a request or response the
 * document does not describe fails the test. {@link #hostile} sends requests that are wrong on
 * purpose: only the response is held to the document then (it must be a documented refusal).
 */
final class ValidatingClient {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final OpenApiInteractionValidator VALIDATOR = validator();

  /**
   * The validator over the served document. swagger-request-validator 2.46 parses an OpenAPI 3.1
   * document but silently skips JSON-schema validation of its bodies (measured: an unknown field, a
   * wrong type, a missing field all pass), and validates them fully for 3.0. The document therefore
   * keeps to the subset of 3.1 that means the same in 3.0 (no type arrays, no null, no 2020-12-only
   * keywords; {@code OpenApiContractTest} checks that), and the validator reads it with the version
   * line set to 3.0.3 — the same schemas, fully enforced.
   */
  static OpenApiInteractionValidator validator() {
    String doc = new String(OpenApiDocument.bytes(), StandardCharsets.UTF_8);
    String as30 = doc.replaceFirst("\"openapi\"\\s*:\\s*\"3\\.1\\.0\"", "\"openapi\": \"3.0.3\"");
    if (as30.equals(doc)) {
      throw new IllegalStateException("openapi.json does not declare 3.1.0");
    }
    return OpenApiInteractionValidator.createForInlineApiSpecification(as30).build();
  }

  private final HttpClient http;
  private final URI base;
  /** Every exchange made: "METHOD path status" (for the test that every route was answered). */
  final List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();

  ValidatingClient(URI base) {
    this(base, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
  }

  ValidatingClient(URI base, HttpClient http) {
    this.base = base;
    this.http = http;
  }

  /** One finished exchange. */
  record Exchange(int status, HttpHeaders headers, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    String text(String field) {
      JsonNode n = json().get(field);
      if (n == null) {
        fail("no field " + field + " in " + body);
      }
      return n.asText();
    }

    @Nullable String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    String contentType() {
      return headers.firstValue("content-type").orElse("");
    }

    Exchange expect(int want) {
      if (status != want) {
        fail("expected HTTP " + want + " but got " + status + ": " + body);
      }
      return this;
    }

    /** A problem document with this status and code. */
    Exchange problem(int want, String code) {
      expect(want);
      if (!contentType().startsWith("application/problem+json")) {
        fail("not a problem document: " + contentType() + " " + body);
      }
      JsonNode j = json();
      if (!code.equals(j.path("code").asText()) || j.path("status").asInt() != want || !j.has("type") || !j.has("title")) {
        fail("expected problem " + want + "/" + code + " but got " + body);
      }
      return this;
    }
  }

  Exchange get(String pathAndQuery, @Nullable String key) {
    return send("GET", pathAndQuery, key, null, Map.of(), true);
  }

  Exchange post(String path, @Nullable String key, @Nullable String body) {
    return send("POST", path, key, body, Map.of(), true);
  }

  Exchange post(String path, @Nullable String key, JsonNode body) {
    return send("POST", path, key, body.toString(), Map.of(), true);
  }

  /** A deliberately wrong request: only the response is validated. */
  Exchange hostile(String method, String pathAndQuery, @Nullable String key, @Nullable byte[] body, Map<String, String> headers) {
    return exchange(method, pathAndQuery, key, body, headers, false);
  }

  Exchange send(String method, String pathAndQuery, @Nullable String key, @Nullable String body, Map<String, String> headers,
      boolean validateRequest) {
    return exchange(method, pathAndQuery, key, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers, validateRequest);
  }

  private Exchange exchange(String method, String pathAndQuery, @Nullable String key, byte @Nullable [] body,
      Map<String, String> headers, boolean validateRequest) {
    HttpRequest.Builder rb = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(Duration.ofSeconds(20));
    if (key != null) {
      rb.header("Authorization", "Bearer " + key);
    }
    if (body != null && !headers.containsKey("Content-Type")) {
      rb.header("Content-Type", "application/json");
    }
    headers.forEach(rb::header);
    rb.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    HttpResponse<String> resp;
    try {
      resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    Exchange ex = new Exchange(resp.statusCode(), resp.headers(), resp.body());
    log.add(method + " " + URI.create("http://x" + pathAndQuery).getRawPath() + " " + ex.status());
    validate(method, pathAndQuery, key, body, headers, ex, validateRequest);
    return ex;
  }

  private static void validate(String method, String pathAndQuery, @Nullable String key, byte @Nullable [] body,
      Map<String, String> headers, Exchange ex, boolean validateRequest) {
    URI u = URI.create("http://x" + pathAndQuery);
    SimpleRequest.Builder req = new SimpleRequest.Builder(method, u.getRawPath());
    if (u.getRawQuery() != null) {
      for (String pair : u.getRawQuery().split("&")) {
        int eq = pair.indexOf('=');
        String name = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        req.withQueryParam(name, value);
      }
    }
    if (key != null) {
      req.withAuthorization("Bearer " + key);
    }
    if (body != null) {
      req.withBody(body);
      req.withContentType(headers.getOrDefault("Content-Type", "application/json"));
    }
    SimpleResponse.Builder resp = SimpleResponse.Builder.status(ex.status()).withBody(ex.body());
    ex.headers().map().forEach((k, v) -> resp.withHeader(k, v));
    ex.headers().firstValue("content-type").ifPresent(resp::withContentType);
    ValidationReport report = VALIDATOR.validate(req.build(), resp.build());
    List<ValidationReport.Message> errors = report.getMessages().stream()
        .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
        .filter(m -> validateRequest || !m.getKey().startsWith("validation.request"))
        .toList();
    if (!errors.isEmpty()) {
      fail("exchange " + method + " " + pathAndQuery + " -> " + ex.status() + " does not match openapi.json:\n"
          + errors.stream().map(m -> "  " + m.getKey() + ": " + m.getMessage()).collect(Collectors.joining("\n"))
          + "\nbody: " + ex.body());
    }
  }

  static Request.Method method(String m) {
    return Request.Method.valueOf(m);
  }
}
