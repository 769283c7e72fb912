package io.spaceduck.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.RateLimited;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.SpaceDuckException;
import io.spaceduck.server.config.ServerLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's one Jetty handler: finds the route ({@link Routes}), checks access, reads the body
 * within its limit, runs the endpoint and writes the reply; maps every refusal — the engine's by its
 * {@code ErrorCode}, the server's own — to an RFC 9457 {@code application/problem+json} document, and
 * any other exception to a 500 problem whose correlation id is logged here (with the exception;
 * engine messages hold no secret, D2). Paths outside the table are served from the classpath folder
 * {@code io/spaceduck/server/static/} when a file is there (room for Mission Control).
 *
 * <p>Thread-safe: holds no per-request state.
 */
public final class ApiHandler extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger(ApiHandler.class);
  /** The engine's own message for a failed authentication, so a missing header and a wrong key look alike (K6). */
  private static final String UNAUTHENTICATED = new io.spaceduck.api.Unauthenticated().getMessage();
  private static final String STATIC_ROOT = "io/spaceduck/server/static/";

  private final SpaceDuck duck;
  private final Clock clock;
  private final ServerLimits limits;
  private final JsonCodec json;
  private final ClientAddress clients;
  private final Metrics metrics;
  private final boolean metricsPublic;
  private final List<Route> routes;
  private final byte[] openapi;
  private final PageConfig pages;

  public ApiHandler(SpaceDuck duck, Clock clock, ServerLimits limits, ClientAddress clients, Metrics metrics,
      boolean metricsPublic, boolean benchmarkEndpoint, PageConfig pages) {
    this.duck = duck;
    this.clock = clock;
    this.limits = limits;
    this.json = new JsonCodec(limits);
    this.clients = clients;
    this.metrics = metrics;
    this.metricsPublic = metricsPublic;
    this.openapi = OpenApiDocument.bytes();
    this.pages = pages;
    List<Route> table = Routes.table(this::healthz, this::readyz, this::metrics, c -> Reply.bytes(200, "application/json", openapi),
        c -> pages.config());
    // literal paths first, so /beak/pecks/inbox is never read as a peck id
    List<Route> ordered = new ArrayList<>(table.stream().filter(Route::literal).toList());
    ordered.addAll(table.stream().filter(r -> !r.literal()).toList());
    this.routes = benchmarkEndpoint ? BenchmarkEndpoint.withBenchmark(ordered) : List.copyOf(ordered);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    long start = System.nanoTime();
    String method = request.getMethod();
    String path = Request.getPathInContext(request);
    List<String> segments = Route.split(path);
    String template = "unmatched";
    Reply reply;
    try {
      Route route = null;
      Map<String, String> params = null;
      boolean pathKnown = false;
      java.util.Set<String> allowed = new java.util.TreeSet<>();
      for (Route r : routes) {
        Map<String, String> p = r.match(segments);
        if (p != null) {
          pathKnown = true;
          allowed.add(r.method());
          if (r.method().equals(method)) {
            route = r;
            params = p;
            break;
          }
        }
      }
      if (route == null) {
        if (!pathKnown && method.equals("GET")) {
          Optional<Reply> file = staticFile(path);
          if (file.isPresent()) {
            template = "static";
            return write(response, callback, file.get(), method, template, start);
          }
        }
        if (pathKnown) {
          Reply r = problem(405, ProblemCodes.METHOD_NOT_ALLOWED, "method not allowed on this path", Optional.empty());
          return write(response, callback, r.header("Allow", String.join(", ", allowed)), method, template, start);
        }
        throw new ApiException(404, ProblemCodes.NOT_FOUND, "no such route");
      }
      template = route.template();
      reply = run(request, route, params);
    } catch (SpaceDuckException e) {
      reply = refusal(e);
    } catch (ApiException e) {
      reply = problem(e.status(), e.code(), e.getMessage(), e.retryAfter());
    } catch (IllegalArgumentException | NullPointerException e) {
      // a caller mistake the engine caught (its documented contract); its message stays server-side
      LOG.debug("invalid input on {} {}: {}", method, template, e.toString());
      reply = problem(400, ProblemCodes.INVALID_INPUT, "invalid input", Optional.empty());
    } catch (Exception e) { // an Error (out of memory, …) goes on to Jetty, whose error handler answers a bare 500 problem
      String id = UUID.randomUUID().toString();
      LOG.error("internal error {} on {} {}", id, method, template, e);
      reply = problem(500, ProblemCodes.INTERNAL, "internal error; correlation id " + id, Optional.empty());
      ((ObjectNode) reply.json).put("correlation_id", id);
    }
    return write(response, callback, reply, method, template, start);
  }

  private Reply run(Request request, Route route, Map<String, String> params) throws Exception {
    SocketAddress socket = request.getConnectionMetaData().getRemoteSocketAddress();
    String peer = Request.getRemoteAddr(request);
    if (route.access() == Route.Access.LOCAL && !metricsPublic && !loopback(socket)) {
      throw new ApiException(404, ProblemCodes.NOT_FOUND, "no such route");
    }
    String client = clients.resolve(peer, request.getHeaders().getValuesList(HttpHeader.X_FORWARDED_FOR));
    Query query = Query.parse(request.getHttpURI().getQuery(), route.queryNames());
    BeakKey key = null;
    if (route.access() == Route.Access.BEARER) {
      key = bearer(request, client);
    }
    byte[] body = route.method().equals("POST") ? body(request) : new byte[0];
    if (!route.takesBody() && body.length > 0) {
      throw ApiException.invalid("body", "this route takes no body");
    }
    Call call = new Call(duck, clock, client, params, query, body, key, json);
    Reply reply = route.endpoint().handle(call);
    if (route.operationId().equals("jwks")) {
      return cacheable(request, reply);
    }
    return reply;
  }

  /** {@code Authorization: Bearer <key>}; anything else is one generic 401 (K6). */
  private static BeakKey bearer(Request request, String client) {
    List<String> values = request.getHeaders().getValuesList(HttpHeader.AUTHORIZATION);
    if (values.size() != 1) {
      throw new ApiException(401, ProblemCodes.UNAUTHENTICATED, UNAUTHENTICATED);
    }
    String v = values.get(0);
    if (v.length() < 8 || !v.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new ApiException(401, ProblemCodes.UNAUTHENTICATED, UNAUTHENTICATED);
    }
    String raw = v.substring(7).trim();
    if (raw.isEmpty() || raw.length() > 512 || !raw.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
      throw new ApiException(401, ProblemCodes.UNAUTHENTICATED, UNAUTHENTICATED);
    }
    String source = client.length() > BeakKey.MAX_SOURCE_LENGTH ? client.substring(0, BeakKey.MAX_SOURCE_LENGTH) : client;
    return BeakKey.of(raw, source);
  }

  /**
   * An oversized body of up to this many bytes is read and dropped before the 413 is sent: the client
   * may still be sending it, and a connection closed under it can lose the answer (the client sees a
   * reset instead of the problem document). A larger one is refused at once and its connection closed.
   */
  static final int DRAIN_LIMIT = 1 << 20;

  private byte[] body(Request request) {
    long declared = request.getLength();
    if (declared > limits.maxBodyBytes()) {
      if (declared <= DRAIN_LIMIT) {
        try (InputStream in = Content.Source.asInputStream(request)) {
          drop(in, declared);
        } catch (IOException e) {
          // the 413 below is the answer either way
        }
      }
      throw tooLarge();
    }
    byte[] bytes;
    try (InputStream in = Content.Source.asInputStream(request)) {
      bytes = in.readNBytes(limits.maxBodyBytes() + 1);
      if (bytes.length > limits.maxBodyBytes()) {
        try {
          drop(in, DRAIN_LIMIT - bytes.length);
        } catch (IOException e) {
          // the 413 below is the answer either way
        }
        throw tooLarge();
      }
    } catch (IOException e) {
      throw new ApiException(400, ProblemCodes.BAD_REQUEST, "the body could not be read");
    }
    if (bytes.length > 0) {
      String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
      String mime = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
      if (!mime.equals("application/json")) {
        throw new ApiException(415, ProblemCodes.UNSUPPORTED_MEDIA_TYPE, "the body must be application/json");
      }
      if (type.toLowerCase(Locale.ROOT).contains("charset=") && !type.toLowerCase(Locale.ROOT).replace(" ", "").contains("charset=utf-8")) {
        throw new ApiException(415, ProblemCodes.UNSUPPORTED_MEDIA_TYPE, "the body must be UTF-8");
      }
    }
    return bytes;
  }

  private ApiException tooLarge() {
    return new ApiException(413, ProblemCodes.PAYLOAD_TOO_LARGE, "the body is larger than " + limits.maxBodyBytes() + " bytes");
  }

  /** Reads and drops at most {@code budget} bytes of what is left of a body. */
  private static void drop(InputStream in, long budget) throws IOException {
    byte[] sink = new byte[8192];
    long left = budget;
    while (left > 0) {
      int n = in.read(sink, 0, (int) Math.min(sink.length, left));
      if (n < 0) {
        return;
      }
      left -= n;
    }
  }

  private static boolean loopback(SocketAddress a) {
    return a instanceof InetSocketAddress i && i.getAddress() != null && i.getAddress().isLoopbackAddress();
  }

  // ---- the routes the server answers itself -----------------------------------------------------

  private Reply healthz(Call c) {
    return Reply.ok(JsonCodec.obj().put("status", "ok"));
  }

  /** Ready when the store answers: the engine's hatch sweep reads it (and deletes dead pending hatches, H2). */
  private Reply readyz(Call c) {
    duck.hatching().sweepExpired();
    return Reply.ok(JsonCodec.obj().put("status", "ready"));
  }

  private Reply metrics(Call c) {
    return Reply.text(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
  }

  /** The JWK set: {@code Cache-Control} and a strong {@code ETag}; a matching {@code If-None-Match} gets 304. */
  private static Reply cacheable(Request request, Reply reply) {
    String etag = "\"" + sha256(reply.body) + "\"";
    String inm = request.getHeaders().get(HttpHeader.IF_NONE_MATCH);
    Reply out = inm != null && inm.contains(etag) ? Reply.bytes(304, reply.contentType, new byte[0]) : reply;
    return out.header("ETag", etag).header("Cache-Control", "public, max-age=300");
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)).substring(0, 32);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Mission Control's policy for every static file: scripts, styles and connections from this origin
   * only, no inline script or style, no framing, no {@code <base>}, forms post here only.
   */
  static final String STATIC_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
      + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
  /** {@code /cert/{cert_id}}: Mission Control's certificate card page (the page fetches the certificate through the API). */
  private static final java.util.regex.Pattern CERT_PAGE = java.util.regex.Pattern.compile("/cert/[A-Za-z0-9_-]{1,128}");

  private Optional<Reply> staticFile(String path) {
    String file = CERT_PAGE.matcher(path).matches() ? "/cert.html" : path;
    return staticResource(file)
        .map(r -> r.header("Content-Security-Policy", pages.csp(file, STATIC_CSP)).header("X-Frame-Options", "DENY"));
  }

  private Optional<Reply> staticResource(String path) {
    String p = path.equals("/") ? "index.html" : path.substring(1);
    if (p.isEmpty() || p.contains("..") || p.contains("\\") || p.contains("//") || p.startsWith("beak/") || p.endsWith("/")) {
      return Optional.empty();
    }
    ClassLoader cl = ApiHandler.class.getClassLoader();
    try (InputStream in = cl.getResourceAsStream(STATIC_ROOT + p)) {
      if (in == null) {
        return Optional.empty();
      }
      return Optional.of(Reply.bytes(200, mime(p), in.readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String mime(String p) {
    String ext = p.substring(p.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    return switch (ext) {
      case "html" -> "text/html; charset=utf-8";
      case "js", "mjs" -> "text/javascript; charset=utf-8";
      case "css" -> "text/css; charset=utf-8";
      case "json" -> "application/json";
      case "svg" -> "image/svg+xml";
      case "png" -> "image/png";
      case "ico" -> "image/x-icon";
      default -> "application/octet-stream";
    };
  }

  // ---- refusals -----------------------------------------------------------------------------------

  private Reply refusal(SpaceDuckException e) {
    Optional<Duration> retry = e instanceof RateLimited rl ? Optional.of(rl.retryAfter()) : Optional.empty();
    return problem(e.code().httpStatus(), e.code().code(), e.getMessage(), retry);
  }

  private Reply problem(int status, String code, @Nullable String detail, Optional<Duration> retryAfter) {
    metrics.refusal(code);
    ObjectNode o = JsonCodec.obj()
        .put("type", ProblemCodes.type(code))
        .put("title", ProblemCodes.title(code))
        .put("status", status)
        .put("code", code);
    if (detail != null && !detail.isEmpty()) {
      o.put("detail", detail);
    }
    Reply r = Reply.problem(status, o);
    if (status == 401) {
      r.header("WWW-Authenticate", "Bearer");
    }
    retryAfter.ifPresent(d -> r.header("Retry-After", Long.toString(Math.max(1, (d.toMillis() + 999) / 1000))));
    return r;
  }

  // ---- writing ------------------------------------------------------------------------------------

  private boolean write(Response response, Callback callback, Reply reply, String method, String template, long start) {
    byte[] bytes = reply.json != null ? json.write(reply.json) : reply.body;
    response.setStatus(reply.status);
    var h = response.getHeaders();
    if (reply.status != 304) {
      h.put(HttpHeader.CONTENT_TYPE, reply.contentType);
    }
    h.put("X-Content-Type-Options", "nosniff");
    h.put("Referrer-Policy", "no-referrer");
    h.put(HttpHeader.CACHE_CONTROL, "no-store"); // replies may carry keys issued once (K1)
    reply.headers.forEach(h::put);
    metrics.request(method, template, reply.status, System.nanoTime() - start);
    response.write(true, ByteBuffer.wrap(bytes), callback);
    return true;
  }

  /** A problem document for a refusal Jetty makes before any route runs (431, bad URI, …). */
  static byte[] jettyProblem(int status) {
    String code = status == 413 ? ProblemCodes.PAYLOAD_TOO_LARGE : status == 503 ? ProblemCodes.UNAVAILABLE : ProblemCodes.BAD_REQUEST;
    String s = "{\"type\":\"" + ProblemCodes.type(code) + "\",\"title\":\"" + ProblemCodes.title(code) + "\",\"status\":" + status
        + ",\"code\":\"" + code + "\"}";
    return s.getBytes(StandardCharsets.UTF_8);
  }

}
