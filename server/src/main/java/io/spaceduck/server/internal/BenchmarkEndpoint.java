package io.spaceduck.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /bench/bare}: a benchmark-only route that does no engine work, so that a load test can
 * compare {@code GET /beak/whoami} against the same server stack — connector, thread pool, QoS
 * admission, routing, query parsing, client-address resolution and response writing — without the
 * engine (issue 17's benchmark). It exists only when the host asks for it
 * ({@link io.spaceduck.server.SpaceDuckServer.Builder#benchmarkEndpoint}); it is registered outside
 * {@link Routes#table} on purpose, so the OpenAPI document (and its contract test) never sees it.
 *
 * <p>Its answer has the shape and, for a duckling's key, the size of whoami's answer: the same five
 * fields, rebuilt as a JSON tree and serialised on every call as whoami's is.
 */
final class BenchmarkEndpoint {
  static final String PATH = "/bench/bare";

  private BenchmarkEndpoint() {}

  static Route route() {
    return new Route("GET", PATH, "benchBare", Route.Access.PUBLIC, Set.of(), false, BenchmarkEndpoint::bare);
  }

  /** The table's routes with the bench route placed right after whoami, so both walk the same routes first. */
  static List<Route> withBenchmark(List<Route> ordered) {
    List<Route> out = new ArrayList<>(ordered.size() + 1);
    boolean placed = false;
    for (Route r : ordered) {
      out.add(r);
      if (r.operationId().equals("whoami")) {
        out.add(route());
        placed = true;
      }
    }
    if (!placed) {
      out.add(route());
    }
    return List.copyOf(out);
  }

  private static Reply bare(Call c) {
    // the lengths of a real principal's fields: "dk_" + 26 base32 characters, a 16-character key id
    ObjectNode o = JsonCodec.obj()
        .put("id", "dk_aaaaaaaaaaaaaaaaaaaaaaaaaa")
        .put("kind", "duckling")
        .put("tier", "T1")
        .put("key_id", "aaaaaaaaaaaaaaaa");
    o.set("roles", JsonCodec.NODES.arrayNode());
    return Reply.ok(o);
  }
}
