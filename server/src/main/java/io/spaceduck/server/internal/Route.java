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
 * The template is split into segments once, here: a request is matched against every row.
 */
public final class Route {
  private final String method;
  private final String template;
  private final String operationId;
  private final Access access;
  private final Set<String> queryNames;
  private final boolean takesBody;
  private final Endpoint endpoint;
  private final List<String> segments;

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

  public Route(String method, String template, String operationId, Access access, Set<String> queryNames,
      boolean takesBody, Endpoint endpoint) {
    this.method = Objects.requireNonNull(method, "method");
    this.template = Objects.requireNonNull(template, "template");
    this.operationId = Objects.requireNonNull(operationId, "operationId");
    this.access = Objects.requireNonNull(access, "access");
    this.queryNames = Set.copyOf(queryNames);
    this.takesBody = takesBody;
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.segments = List.copyOf(split(template));
  }

  public String method() {
    return method;
  }

  public String template() {
    return template;
  }

  public String operationId() {
    return operationId;
  }

  public Access access() {
    return access;
  }

  public Set<String> queryNames() {
    return queryNames;
  }

  public boolean takesBody() {
    return takesBody;
  }

  Endpoint endpoint() {
    return endpoint;
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
    if (segments.size() != path.size()) {
      return null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < segments.size(); i++) {
      String seg = segments.get(i);
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

  @Override
  public String toString() {
    return method + " " + template + " (" + operationId + ")";
  }
}
