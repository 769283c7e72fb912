package io.spaceduck.server.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;

/**
 * The server's Prometheus metrics through Micrometer: {@code http_server_requests_seconds} (a latency
 * histogram tagged with method, route template — never the raw path, so ids never become labels —
 * and status) and {@code spaceduck_refusals_total} by problem code. Labels carry no identity, key or
 * address.
 */
public final class Metrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  void request(String method, String route, int status, long nanos) {
    Timer.builder("http.server.requests")
        .description("HTTP requests by route template and status")
        .tag("method", method)
        .tag("route", route)
        .tag("status", Integer.toString(status))
        .publishPercentileHistogram()
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry)
        .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  void refusal(String code) {
    Counter.builder("spaceduck.refusals").description("Refusals by problem code").tag("code", code).register(registry).increment();
  }

  String scrape() {
    return registry.scrape();
  }
}
