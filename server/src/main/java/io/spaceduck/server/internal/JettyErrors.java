package io.spaceduck.server.internal;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's error handler replaced: the refusals Jetty makes itself (headers too large, a malformed
 * request line or URI) are problem documents too, and never carry a stack trace or a message.
 */
final class JettyErrors extends ErrorHandler {
  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Object s = request.getAttribute(ERROR_STATUS);
    int status = s instanceof Integer i ? i : response.getStatus() >= 400 ? response.getStatus() : 500;
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/problem+json");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    response.write(true, ByteBuffer.wrap(ApiHandler.jettyProblem(status)), callback);
    return true;
  }
}
