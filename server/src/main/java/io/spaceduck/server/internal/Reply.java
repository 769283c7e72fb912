package io.spaceduck.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a route answers: a status, a body (JSON or text) and extra headers. */
final class Reply {
  final int status;
  final String contentType;
  final byte[] body;
  final Map<String, String> headers = new LinkedHashMap<>();
  final JsonNode json;

  private Reply(int status, String contentType, byte[] body, JsonNode json) {
    this.status = status;
    this.contentType = contentType;
    this.body = body;
    this.json = json;
  }

  static Reply json(int status, JsonNode node) {
    return new Reply(status, "application/json", new byte[0], node);
  }

  /** An RFC 9457 problem document. */
  static Reply problem(int status, JsonNode node) {
    return new Reply(status, "application/problem+json", new byte[0], node);
  }

  static Reply ok(JsonNode node) {
    return json(200, node);
  }

  static Reply created(JsonNode node) {
    return json(201, node);
  }

  static Reply text(int status, String contentType, String text) {
    return new Reply(status, contentType, text.getBytes(StandardCharsets.UTF_8), null);
  }

  static Reply bytes(int status, String contentType, byte[] bytes) {
    return new Reply(status, contentType, bytes, null);
  }

  Reply header(String name, String value) {
    headers.put(name, value);
    return this;
  }
}
