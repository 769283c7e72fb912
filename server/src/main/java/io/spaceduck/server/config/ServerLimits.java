package io.spaceduck.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Every limit, timeout and size of the HTTP server in one place, with the defaults a reader can find
 * here. Immutable; {@link #defaults()} is what {@link SpaceDuckServer.Builder} uses unless a host
 * passes its own.
 *
 * <p>How the limits keep a slow or hostile client from starving the others: request headers are read
 * by Jetty's selector without holding a worker thread; a request is only dispatched when its headers
 * are complete ({@link #maxHeaderBytes}); at most {@link #maxConcurrentRequests} requests run at once
 * and at most {@link #maxQueuedRequests} wait (each at most {@link #maxQueueWait}) — anything beyond is
 * answered {@code 503} with {@code Retry-After} at once; a body must arrive at {@link #minBodyBytesPerSecond}
 * and within {@link #idleTimeout}; a body is at most {@link #maxBodyBytes}.
 *
 * @param maxBodyBytes largest request body accepted (413 beyond); also Jackson's document length limit
 * @param maxHeaderBytes largest request line plus headers (431 beyond)
 * @param maxJsonDepth deepest JSON nesting accepted (Jackson {@code StreamReadConstraints})
 * @param maxJsonStringLength longest JSON string accepted, in characters
 * @param idleTimeout a connection with no bytes for this long is closed (also the read timeout)
 * @param minBodyBytesPerSecond a request body arriving slower than this is aborted (slow-loris bodies)
 * @param maxThreads worker threads of the server's bounded pool
 * @param maxConcurrentRequests requests handled at once (the rest wait or get 503)
 * @param maxQueuedRequests requests waiting for a slot before 503s start
 * @param maxQueueWait longest a request waits for a slot before a 503
 * @param retryAfter the {@code Retry-After} an overloaded server answers with
 * @param drainTimeout how long {@link SpaceDuckServer#close()} waits for in-flight requests
 * @param hstsMaxAge {@code Strict-Transport-Security: max-age} when serving TLS
 */
public record ServerLimits(
    int maxBodyBytes,
    int maxHeaderBytes,
    int maxJsonDepth,
    int maxJsonStringLength,
    Duration idleTimeout,
    long minBodyBytesPerSecond,
    int maxThreads,
    int maxConcurrentRequests,
    int maxQueuedRequests,
    Duration maxQueueWait,
    Duration retryAfter,
    Duration drainTimeout,
    Duration hstsMaxAge) {

  public ServerLimits {
    positive(maxBodyBytes, "maxBodyBytes");
    positive(maxHeaderBytes, "maxHeaderBytes");
    positive(maxJsonDepth, "maxJsonDepth");
    positive(maxJsonStringLength, "maxJsonStringLength");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    Objects.requireNonNull(maxQueueWait, "maxQueueWait");
    Objects.requireNonNull(retryAfter, "retryAfter");
    Objects.requireNonNull(drainTimeout, "drainTimeout");
    Objects.requireNonNull(hstsMaxAge, "hstsMaxAge");
    if (minBodyBytesPerSecond < 0) {
      throw new IllegalArgumentException("minBodyBytesPerSecond >= 0");
    }
    positive(maxConcurrentRequests, "maxConcurrentRequests");
    if (maxQueuedRequests < 0) {
      throw new IllegalArgumentException("maxQueuedRequests >= 0");
    }
    // Jetty needs threads of its own (acceptor, selectors) beside the request workers
    if (maxThreads < maxConcurrentRequests + 4) {
      throw new IllegalArgumentException("maxThreads must be at least maxConcurrentRequests + 4");
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero() || retryAfter.isNegative() || drainTimeout.isNegative()) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
  }

  private static void positive(int v, String name) {
    if (v < 1) {
      throw new IllegalArgumentException(name + " must be positive");
    }
  }

  /**
   * The defaults: 64 KiB bodies, 8 KiB headers, JSON depth 16 and strings of 16 Ki characters, 15 s
   * idle timeout, bodies at least 1 KiB/s, 40 threads, 32 concurrent requests and 128 waiting at most
   * 2 s, {@code Retry-After: 1}, 10 s drain on close, HSTS one year.
   */
  public static ServerLimits defaults() {
    return new ServerLimits(
        64 * 1024,
        8 * 1024,
        16,
        16 * 1024,
        Duration.ofSeconds(15),
        1024,
        40,
        32,
        128,
        Duration.ofSeconds(2),
        Duration.ofSeconds(1),
        Duration.ofSeconds(10),
        Duration.ofDays(365));
  }

  /** A copy with another body limit. */
  public ServerLimits withMaxBodyBytes(int bytes) {
    return new ServerLimits(bytes, maxHeaderBytes, maxJsonDepth, maxJsonStringLength, idleTimeout, minBodyBytesPerSecond,
        maxThreads, maxConcurrentRequests, maxQueuedRequests, maxQueueWait, retryAfter, drainTimeout, hstsMaxAge);
  }

  /** A copy with other concurrency limits (requests at once, requests waiting). */
  public ServerLimits withConcurrency(int concurrent, int queued, Duration queueWait) {
    return new ServerLimits(maxBodyBytes, maxHeaderBytes, maxJsonDepth, maxJsonStringLength, idleTimeout, minBodyBytesPerSecond,
        Math.max(maxThreads, concurrent + 4), concurrent, queued, queueWait, retryAfter, drainTimeout, hstsMaxAge);
  }

  /** A copy with another drain timeout. */
  public ServerLimits withDrainTimeout(Duration drain) {
    return new ServerLimits(maxBodyBytes, maxHeaderBytes, maxJsonDepth, maxJsonStringLength, idleTimeout, minBodyBytesPerSecond,
        maxThreads, maxConcurrentRequests, maxQueuedRequests, maxQueueWait, retryAfter, drain, hstsMaxAge);
  }
}
