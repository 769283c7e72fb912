package io.spaceduck.server;

import io.spaceduck.api.SpaceDuck;
import io.spaceduck.server.config.ServerLimits;
import io.spaceduck.server.internal.ApiHandlers;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The reference HTTP front end: the seeds' {@code /beak/*} API over an engine the host built, on
 * Jetty 12. Start one with {@link #builder()}; {@link #close()} stops it gracefully.
 *
 * <pre>{@code
 * try (SpaceDuck duck = SpaceDuck.builder()…build();
 *      SpaceDuckServer server = SpaceDuckServer.builder().engine(duck)
 *          .listen(new InetSocketAddress("127.0.0.1", 8080)).start()) {
 *   System.out.println("serving " + server.uri());
 *   …
 * } // the server closes first (drains), then the engine
 * }</pre>
 *
 * <p><b>Who owns the engine:</b> the caller. The server never closes it; close the server first (it
 * stops accepting, then waits up to {@link ServerLimits#drainTimeout()} for in-flight requests), then
 * the engine — try-with-resources in the order above does exactly that.
 *
 * <p><b>Security guarantees:</b> plain HTTP is served only on a loopback address — any other bind
 * address needs {@link Builder#tls} and is refused without it; with TLS every response carries
 * {@code Strict-Transport-Security}. Every route but the hatch steps, the JWK set, the OpenAPI
 * document, {@code /beak/config} (the public Turnstile site key) and the health and metrics endpoints requires {@code Authorization: Bearer <beak key>},
 * verified by the engine on that call; the server keeps no session, sets no cookie and holds no
 * state of its own. Refusals are RFC 9457 problem documents with the engine's stable code and no
 * internal detail. {@code /metrics} answers only loopback clients unless {@link Builder#metricsPublic}.
 *
 * <p>Thread-safe. Limits and timeouts: {@link ServerLimits}.
 */
public final class SpaceDuckServer implements AutoCloseable {
  private final ApiHandlers.Running running;

  private SpaceDuckServer(ApiHandlers.Running running) {
    this.running = running;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The base URI clients use, e.g. {@code http://127.0.0.1:8080/} (the real port when 0 was asked). */
  public URI uri() {
    return running.uri();
  }

  /** The port the server listens on. */
  public int port() {
    return running.port();
  }

  /**
   * Stops gracefully: stops accepting connections, lets in-flight requests finish for at most
   * {@link ServerLimits#drainTimeout()}, then closes what is left. Idempotent. Does not close the
   * engine (the caller owns it).
   */
  @Override
  public void close() {
    running.stop();
  }

  /** Configures a server; each setting once, validated in {@link #start()}. Not thread-safe. */
  public static final class Builder {
    private @Nullable SpaceDuck engine;
    private InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 8080);
    private @Nullable Path tlsCert;
    private @Nullable Path tlsKey;
    private ServerLimits limits = ServerLimits.defaults();
    private Clock clock = Clock.systemUTC();
    private List<String> trustedProxies = List.of();
    private boolean metricsPublic;
    private boolean benchmarkEndpoint;
    private @Nullable String turnstileSiteKey;

    private Builder() {}

    /** The engine to serve (required). The caller keeps owning it: the server never closes it. */
    public Builder engine(SpaceDuck engine) {
      this.engine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    /** Where to listen (default {@code 127.0.0.1:8080}; port 0 picks a free port). */
    public Builder listen(InetSocketAddress address) {
      this.listen = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * Serve HTTPS with this certificate chain and PKCS#8 private key (PEM files); required for any
     * bind address that is not loopback. Adds {@code Strict-Transport-Security}.
     */
    public Builder tls(Path certificatePem, Path privateKeyPem) {
      this.tlsCert = Objects.requireNonNull(certificatePem, "certificatePem");
      this.tlsKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      return this;
    }

    /** Limits, sizes and timeouts (default {@link ServerLimits#defaults()}). */
    public Builder limits(ServerLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * The clock the server renders time-dependent fields with (a key's {@code status}); give it the
     * engine's clock. Default UTC system clock.
     */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Proxies (IP addresses or CIDR blocks) whose {@code X-Forwarded-For} the server believes when it
     * decides a client's address for the hatch rate limit (H5). Default none: the header is ignored.
     *
     * @throws IllegalArgumentException if an entry is not an IP address or CIDR block
     */
    public Builder trustedProxies(List<String> cidrs) {
      new io.spaceduck.server.internal.ClientAddress(cidrs); // validates each entry now (IllegalArgumentException)
      this.trustedProxies = List.copyOf(cidrs);
      return this;
    }

    /** Whether {@code /metrics} answers non-loopback clients too (default false: loopback only). */
    public Builder metricsPublic(boolean open) {
      this.metricsPublic = open;
      return this;
    }

    /**
     * <b>Benchmarks only — never in a deployment.</b> Whether to also answer {@code GET /bench/bare}
     * (default false): a public route that does no engine work and answers a JSON object of the size
     * of {@code GET /beak/whoami}'s, through the same connector, thread pool, admission, routing and
     * response writing, so a load test can measure what the engine adds to an authenticated call
     * (docs/benchmarks.md). It is not in the OpenAPI document and {@code duck serve} never turns it on.
     */
    public Builder benchmarkEndpoint(boolean enabled) {
      this.benchmarkEndpoint = enabled;
      return this;
    }

    /**
     * The Cloudflare Turnstile widget's site key (public, not a secret; default none). The server then
     * publishes it at {@code GET /beak/config} and Mission Control's hatch page shows the widget: only
     * that page's Content-Security-Policy adds {@code https://challenges.cloudflare.com} to {@code
     * script-src} and {@code frame-src}. Without it the page loads nothing from Cloudflare and sends an
     * empty challenge token. Give the engine a human check that verifies the widget's tokens ({@code
     * TurnstileHumanCheck} with the matching secret), or every token fails closed.
     *
     * @throws IllegalArgumentException if it is not 1 to 64 characters of {@code [0-9A-Za-z_-]}
     */
    public Builder turnstileSiteKey(String siteKey) {
      Objects.requireNonNull(siteKey, "siteKey");
      if (!io.spaceduck.server.hosts.TurnstileHumanCheck.isSiteKey(siteKey)) {
        throw new IllegalArgumentException("a Turnstile site key is 1 to 64 characters of 0-9 A-Z a-z _ -");
      }
      this.turnstileSiteKey = siteKey;
      return this;
    }

    /*
     * Seam for the host SPIs (issue 17, server-hosts): the Turnstile HumanCheck, the SMTP
     * VerificationDelivery and the webhook PeckNotifier are engine settings — they go into
     * SpaceDuck.builder() before engine(...) is called here, not into this builder.
     */

    /**
     * Binds and starts the server.
     *
     * @throws IllegalStateException if no engine was set, or the address is not loopback and no TLS
     *     certificate was given (plain HTTP off loopback is refused: the seeds' "no HTTP fallback")
     * @throws IllegalArgumentException if the TLS files cannot be used
     * @throws java.io.UncheckedIOException if the address cannot be bound
     */
    public SpaceDuckServer start() {
      if (engine == null) {
        throw new IllegalStateException("no engine: call engine(...)");
      }
      if (listen.isUnresolved()) {
        throw new IllegalStateException("the listen address " + listen.getHostString() + " does not resolve");
      }
      boolean loopback = listen.getAddress().isLoopbackAddress();
      if (!loopback && tlsCert == null) {
        throw new IllegalStateException("refusing to serve plain HTTP on " + listen.getAddress().getHostAddress()
            + ": only a loopback address may be served without TLS; give a certificate and key (tls(...),"
            + " duck serve --tls-cert/--tls-key) or listen on 127.0.0.1 behind a TLS-terminating proxy");
      }
      return new SpaceDuckServer(ApiHandlers.start(engine, listen, tlsCert, tlsKey, limits, clock, trustedProxies, metricsPublic,
          benchmarkEndpoint, turnstileSiteKey));
    }
  }
}
