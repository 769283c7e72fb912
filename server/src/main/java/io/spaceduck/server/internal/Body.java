package io.spaceduck.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A request's JSON object, read field by field with strict types: a string is a JSON string, a
 * number a JSON integer, a boolean a JSON boolean — nothing is coerced — and every field the route
 * does not name is refused (the OpenAPI schemas say {@code additionalProperties: false}).
 */
final class Body {
  private final ObjectNode node;

  private Body(ObjectNode node) {
    this.node = node;
  }

  /** The object, after checking it names no field outside {@code allowed}. */
  static Body of(JsonNode node, Set<String> allowed) {
    if (!(node instanceof ObjectNode o)) {
      throw ApiException.invalid("body", "a JSON object is required");
    }
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw ApiException.invalid("body", "unknown field");
      }
    }
    return new Body(o);
  }

  String text(String field) {
    return optText(field).orElseThrow(() -> ApiException.invalid(field, "required"));
  }

  Optional<String> optText(String field) {
    JsonNode v = node.get(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw ApiException.invalid(field, "must be a string");
    }
    return Optional.of(Text.check(field, v.textValue()));
  }

  Optional<Long> optLong(String field, long min, long max) {
    JsonNode v = node.get(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw ApiException.invalid(field, "must be an integer");
    }
    long l = v.longValue();
    if (l < min || l > max) {
      throw ApiException.invalid(field, "must be in " + min + ".." + max);
    }
    return Optional.of(l);
  }

  Optional<Boolean> optBool(String field) {
    JsonNode v = node.get(field);
    if (v == null) {
      return Optional.empty();
    }
    if (!v.isBoolean()) {
      throw ApiException.invalid(field, "must be a boolean");
    }
    return Optional.of(v.booleanValue());
  }

  /** A required array of distinct strings, 1 to {@code max} items. */
  Set<String> textSet(String field, int max) {
    JsonNode v = node.get(field);
    if (v == null) {
      throw ApiException.invalid(field, "required");
    }
    if (!v.isArray() || v.size() < 1 || v.size() > max) {
      throw ApiException.invalid(field, "must be an array of 1 to " + max + " strings");
    }
    Set<String> out = new LinkedHashSet<>();
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw ApiException.invalid(field, "must be an array of strings");
      }
      out.add(Text.check(field, e.textValue()));
    }
    return out;
  }
}
