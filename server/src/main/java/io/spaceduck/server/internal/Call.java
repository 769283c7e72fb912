package io.spaceduck.server.internal;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.SpaceDuck;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One request as a route sees it: the engine, the path parameters, the strictly decoded query, the
 * body (parsed on demand), the caller's key (for {@link Route.Access#BEARER} routes), and the client
 * address the hatch rate limit (H5) and the failed-authentication limit count by.
 */
final class Call {
  final SpaceDuck duck;
  final Clock clock;
  final String client;
  final Query query;
  private final Map<String, String> path;
  private final byte[] body;
  private final @Nullable BeakKey key;
  private final JsonCodec json;

  Call(SpaceDuck duck, Clock clock, String client, Map<String, String> path, Query query, byte[] body,
      @Nullable BeakKey key, JsonCodec json) {
    this.duck = duck;
    this.clock = clock;
    this.client = client;
    this.path = path;
    this.query = query;
    this.body = body;
    this.key = key;
    this.json = json;
  }

  BeakKey key() {
    if (key == null) {
      throw new IllegalStateException("a public route asked for the caller's key");
    }
    return key;
  }

  String path(String name) {
    String v = path.get(name);
    if (v == null) {
      throw new IllegalStateException("no path parameter " + name);
    }
    return v;
  }

  /** A typed id from a path parameter; a malformed one is a 400 naming the parameter. */
  <T> T pathId(String name, Function<String, T> parse) {
    return id(name, path(name), parse);
  }

  static <T> T id(String field, String value, Function<String, T> parse) {
    try {
      return parse.apply(Text.check(field, value));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw ApiException.invalid(field, "malformed id");
    }
  }

  /** The body's fields; an empty body reads as {@code {}} (the routes whose fields are all optional). */
  Body body(String... allowed) {
    return Body.of(body.length == 0 ? JsonCodec.obj() : json.parse(body), Set.of(allowed));
  }
}
