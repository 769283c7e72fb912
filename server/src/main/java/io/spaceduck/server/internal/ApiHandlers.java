package io.spaceduck.server.internal;

import io.spaceduck.api.SpaceDuck;
import io.spaceduck.server.config.ServerLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;

/**
 * Assembles Jetty: a bounded thread pool, one connector (HTTP/1.1, or TLS with HSTS), and the handler
 * chain {@code GracefulHandler → Admission (QoS) → ApiHandler}. The public face is
 * {@link io.spaceduck.server.SpaceDuckServer}.
 */
public final class ApiHandlers {
  private ApiHandlers() {}

  /** A started server. */
  public static final class Running {
    private final Server server;
    private final ServerConnector connector;
    private final boolean tls;

    Running(Server server, ServerConnector connector, boolean tls) {
      this.server = server;
      this.connector = connector;
      this.tls = tls;
    }

    public int port() {
      return connector.getLocalPort();
    }

    public URI uri() {
      String host = connector.getHost();
      if (host != null && host.contains(":")) {
        host = "[" + host + "]";
      }
      return URI.create((tls ? "https" : "http") + "://" + host + ":" + port() + "/");
    }

    public synchronized void stop() {
      if (server.isStopped()) {
        return;
      }
      try {
        server.stop();
      } catch (Exception e) {
        throw new IllegalStateException("the server did not stop cleanly", e);
      }
    }
  }

  public static Running start(SpaceDuck duck, InetSocketAddress listen, @Nullable Path cert, @Nullable Path key,
      ServerLimits limits, Clock clock, List<String> trustedProxies, boolean metricsPublic, boolean benchmarkEndpoint,
      @Nullable String turnstileSiteKey) {
    ClientAddress clients = new ClientAddress(trustedProxies);
    QueuedThreadPool pool = new QueuedThreadPool(limits.maxThreads(), Math.min(8, limits.maxThreads()));
    pool.setName("spaceduck-http");
    Server server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(limits.maxHeaderBytes());
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setIdleTimeout(limits.idleTimeout().toMillis());
    http.setMinRequestDataRate(limits.minBodyBytesPerSecond());
    ServerConnector connector;
    boolean tls = cert != null && key != null;
    if (tls) {
      Pem.Loaded loaded = Pem.load(cert, key);
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStore(loaded.store());
      ssl.setKeyStorePassword(loaded.password());
      ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
      http.setSecureScheme("https");
      // sniRequired and sniHostCheck off: clients connecting by IP address send no SNI
      http.addCustomizer(new SecureRequestCustomizer(false, false, limits.hstsMaxAge().toSeconds(), false));
      connector = new ServerConnector(server, 1, 1, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
    } else {
      connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    }
    connector.setHost(listen.getAddress().getHostAddress());
    connector.setPort(listen.getPort());
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    server.addConnector(connector);
    Metrics metrics = new Metrics();
    ApiHandler api = new ApiHandler(duck, clock, limits, clients, metrics, metricsPublic, benchmarkEndpoint,
        new PageConfig(turnstileSiteKey));
    server.setHandler(new GracefulHandler(new Admission(api, limits)));
    server.setErrorHandler(new JettyErrors());
    server.setStopTimeout(limits.drainTimeout().toMillis());
    server.setStopAtShutdown(false); // duck serve's own shutdown hook stops the server, then closes the engine
    try {
      server.start();
    } catch (IOException e) {
      stopQuietly(server);
      throw new UncheckedIOException("cannot listen on " + listen + ": " + e.getMessage(), e);
    } catch (Exception e) {
      stopQuietly(server);
      if (e.getCause() instanceof IOException io) {
        throw new UncheckedIOException("cannot listen on " + listen + ": " + io.getMessage(), io);
      }
      throw new IllegalStateException("the server did not start: " + e.getMessage(), e);
    }
    return new Running(server, connector, tls);
  }

  private static void stopQuietly(Server server) {
    try {
      server.stop();
    } catch (Exception ignored) {
      // the start failure is the one reported
    }
  }
}
