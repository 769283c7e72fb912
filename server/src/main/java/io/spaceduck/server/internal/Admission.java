package io.spaceduck.server.internal;

import io.spaceduck.server.config.ServerLimits;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's {@link QoSHandler} with the server's limits: at most {@code maxConcurrentRequests} run;
 * up to {@code maxQueuedRequests} more wait (suspended, holding no thread) for at most
 * {@code maxQueueWait}; beyond that — or after that wait — a 503 problem with {@code Retry-After}.
 */
final class Admission extends QoSHandler {
  private final ServerLimits limits;

  Admission(Handler next, ServerLimits limits) {
    super(next);
    this.limits = limits;
    setMaxRequestCount(limits.maxConcurrentRequests());
    setMaxSuspendedRequestCount(limits.maxQueuedRequests());
    setMaxSuspend(limits.maxQueueWait());
  }

  @Override
  protected void reject(Request request, Response response, Callback callback, int status) {
    overloaded(response, callback);
  }

  @Override
  protected void failSuspended(Request request, Response response, Callback callback, int status, Throwable failure) {
    overloaded(response, callback);
  }

  private void overloaded(Response response, Callback callback) {
    response.setStatus(503);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/problem+json");
    response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(Math.max(1, limits.retryAfter().toSeconds())));
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(ApiHandler.jettyProblem(503)), callback);
  }
}
