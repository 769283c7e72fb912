package io.spaceduck.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spaceduck.server.config.ServerLimits;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Request bodies the parser refuses are the client's fault: 400, never a 500. */
class JsonCodecTest {
  private final JsonCodec json = new JsonCodec(ServerLimits.defaults());

  /**
   * JsonBodiesFuzzTest's finding: Jackson detects the encoding of a byte body from its first four
   * bytes, reads {@code {\0\0\0} as UTF-32 and fails with a {@code CharConversionException} — an
   * {@code IOException}, not a {@code JsonProcessingException} — which became a 500.
   */
  @Test
  void bytesTakenForUtf32ThatDoNotDecode_areA400() {
    byte[] body = "{\0\0\0\0\0\0\0Acks\"name\":\"Olive\"}".getBytes(StandardCharsets.ISO_8859_1);
    ApiException e = assertThrows(ApiException.class, () -> json.parse(body));
    assertEquals(400, e.status());
  }

  @Test
  void wellFormedUtf16_isStillRead() {
    byte[] body = "{\"a\":\"b\"}".getBytes(StandardCharsets.UTF_16BE);
    assertEquals("b", json.parse(body).get("a").textValue());
  }
}
