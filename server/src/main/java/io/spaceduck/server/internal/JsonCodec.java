package io.spaceduck.server.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spaceduck.server.config.ServerLimits;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The server's one Jackson configuration. Reading: UTF-8 only (the parser refuses malformed bytes),
 * {@link StreamReadConstraints} from {@link ServerLimits} (nesting depth, string length, document
 * length, number length), duplicate keys refused, trailing tokens refused, unknown properties
 * refused; requests are read as trees and then field by field with strict types ({@link Body}), so
 * no scalar is ever coerced. Writing: compact UTF-8.
 */
final class JsonCodec {
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final ObjectMapper mapper;

  JsonCodec(ServerLimits limits) {
    StreamReadConstraints constraints = StreamReadConstraints.builder()
        .maxNestingDepth(limits.maxJsonDepth())
        .maxStringLength(limits.maxJsonStringLength())
        .maxDocumentLength(limits.maxBodyBytes())
        .maxNumberLength(32)
        .maxNameLength(256)
        .build();
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(constraints)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();
    this.mapper = JsonMapper.builder(factory)
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .build();
  }

  /** The request body as a tree; any parse failure is one generic 400 that repeats nothing of the input. */
  JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw ApiException.invalid("body", "a JSON object is required");
    }
    try {
      JsonNode n = mapper.readTree(body);
      if (n == null || n.isMissingNode()) {
        throw ApiException.invalid("body", "a JSON object is required");
      }
      return n;
    } catch (JsonProcessingException | CharConversionException e) {
      // CharConversionException: bytes Jackson's encoding detection takes for UTF-16/32 that do not
      // decode (a body starting "{\0\0\0" reads as UTF-32); the client's fault like any malformed
      // JSON, not a 500 (found by JsonBodiesFuzzTest, docs/fuzzing.md)
      throw ApiException.invalid("body", "malformed JSON or beyond the server's limits");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  byte[] write(JsonNode node) {
    try {
      return mapper.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  static ObjectNode obj() {
    return NODES.objectNode();
  }
}
