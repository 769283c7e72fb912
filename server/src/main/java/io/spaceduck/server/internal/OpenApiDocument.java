package io.spaceduck.server.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The OpenAPI 3.1 document, {@code io/spaceduck/server/openapi.json}: the contract the tests hold the routes to. */
public final class OpenApiDocument {
  public static final String RESOURCE = "io/spaceduck/server/openapi.json";

  private OpenApiDocument() {}

  public static byte[] bytes() {
    try (InputStream in = OpenApiDocument.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
