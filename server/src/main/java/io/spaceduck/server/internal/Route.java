package io.spaceduck.server.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One row of the routing table: method, path template ({@code {name}} segments), the OpenAPI
 * operation id that documents it, who may call it, the query parameters it accepts, and the endpoint.
 */
public record Route(String method, String template, String operationId, Access access, Set<String> queryNames,
    boolean takesBody, Endpoint endpoint) {

  /** Who may call a route. */
  public enum Access {
    /** No credential: the hatch steps, public key material, health, the OpenAPI document. */
    PUBLIC,
    /** {@code Authorization: Bearer <beak key>}; the engine verifies it on the call. */
    BEARER,
    /** No credential, but only from a loopback address unless the host opens it ({@code /metrics}). */
    LOCAL
  }

  /** What a route does with a call: at most one engine call, then a reply. */
  @FunctionalInterface
  interface Endpoint {
    Reply handle(Call call) throws Exception;
  }

  public Route {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(template, "template");
    Objects.requireNonNull(operationId, "operationId");
    Objects.requireNonNull(access, "access");
    queryNames = Set.copyOf(queryNames);
    Objects.requireNonNull(endpoint, "endpoint");
  }

  List<String> segments() {
    return split(template);
  }

  static List<String> split(String path) {
    List<String> out = new ArrayList<>();
    for (String s : path.split("/", -1)) {
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return out;
  }

  /** The path parameters if {@code path} matches this template, else null. */
  Map<String, String> match(List<String> path) {
    List<String> t = segments();
    if (t.size() != path.size()) {
      return null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < t.size(); i++) {
      String seg = t.get(i);
      if (seg.startsWith("{")) {
        params.put(seg.substring(1, seg.length() - 1), path.get(i));
      } else if (!seg.equals(path.get(i))) {
        return null;
      }
    }
    return params;
  }

  /** Literal-only templates win over templated ones ({@code /beak/pecks/inbox} before {@code /beak/pecks/{peck_id}}). */
  boolean literal() {
    return !template.contains("{");
  }
}
