package io.spaceduck.cli;

import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.spi.HumanCheck;
import io.spaceduck.server.SpaceDuckServer;
import io.spaceduck.server.hosts.HostServices;
import io.spaceduck.server.hosts.TurnstileHumanCheck;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code duck serve}: the reference HTTP front end ({@code server/}, docs/http-api.md) on the store
 * every other command uses. Runs until SIGTERM or Ctrl-C; the shutdown hook stops the server (no new
 * connections, in-flight requests drained) and then closes the engine.
 *
 * <p>The host parts come from the environment ({@link HostServices#fromEnvironment}, docs/http-api.md):
 * Turnstile ({@code SPACEDUCK_TURNSTILE_SECRET}), SMTP ({@code SPACEDUCK_SMTP_HOST} …) and signed
 * webhooks ({@code SPACEDUCK_WEBHOOK_URLS}); {@code SPACEDUCK_TURNSTILE_SITE_KEY} (public) makes Mission
 * Control's hatch page show the Turnstile widget. A part that is not configured fails closed, except in
 * development mode, which is the default on a loopback address only ({@code SPACEDUCK_DEV_MODE=false}
 * turns it off) and is refused on any other: codes are printed on stderr (as {@code duck hatch}
 * does) and the human check passes unless {@code $SPACEDUCK_CHALLENGE} is set.
 */
@Command(
    name = "serve",
    description = {
      "Serve the /beak/* HTTP API (docs/http-api.md) on this store until SIGTERM or Ctrl-C.",
      "Plain HTTP only on a loopback address; any other address needs --tls-cert and --tls-key.",
      "Host parts from the environment: SPACEDUCK_TURNSTILE_SECRET, SPACEDUCK_SMTP_HOST…, SPACEDUCK_WEBHOOK_URLS;",
      "SPACEDUCK_TURNSTILE_SITE_KEY (public) shows the Turnstile widget on Mission Control's hatch page;",
      "unconfigured parts fail closed, except in development mode (default on loopback only, SPACEDUCK_DEV_MODE=false",
      "turns it off): verification codes printed to stderr, the human check passes.",
    })
final class ServeCommand extends Base implements Callable<Integer> {
  @Option(names = "--listen", defaultValue = "127.0.0.1:8080", paramLabel = "HOST:PORT",
      description = "address and port to listen on; port 0 picks a free one (default: ${DEFAULT-VALUE})")
  String listen;

  @Option(names = "--tls-cert", converter = Converters.FilePath.class, paramLabel = "PEM",
      description = "TLS certificate chain (PEM); serves HTTPS with HSTS")
  @Nullable Path tlsCert;

  @Option(names = "--tls-key", converter = Converters.FilePath.class, paramLabel = "PEM",
      description = "TLS private key (PEM, unencrypted PKCS#8)")
  @Nullable Path tlsKey;

  @Option(names = "--trusted-proxy", split = ",", paramLabel = "CIDR",
      description = "a proxy whose X-Forwarded-For is believed for the hatch rate limit (repeatable, comma-separated)")
  List<String> trustedProxies = new ArrayList<>();

  @Option(names = "--metrics-public", description = "answer /metrics for every client (default: loopback clients only)")
  boolean metricsPublic;

  /**
   * Development mode's output (banners, codes) goes to this command's stderr, held back until the
   * engine is open so that a refused start (a missing store: exit 10) prints only its refusal.
   */
  private final DevLines devLines = new DevLines();

  private final class DevLines extends ByteArrayOutputStream {
    private boolean live;

    synchronized void goLive() {
      live = true;
      flush();
    }

    @Override
    public synchronized void flush() {
      if (live) {
        err().print(toString(StandardCharsets.UTF_8));
        err().flush();
        reset();
      }
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    if (root().keyFile != null) {
      // a server holds no caller key: each client sends its own with each request
      throw CliException.usage("duck serve takes no --key-file: clients send their own keys");
    }
    InetSocketAddress address = address(listen);
    for (String cidr : trustedProxies) {
      try {
        SpaceDuckServer.builder().trustedProxies(List.of(cidr));
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--trusted-proxy takes IP addresses or CIDR blocks such as 10.0.0.0/8");
      }
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw CliException.usage("--tls-cert and --tls-key go together");
    }
    if (!address.getAddress().isLoopbackAddress() && tlsCert == null) {
      throw CliException.config("refusing to serve plain HTTP on " + address.getAddress().getHostAddress()
          + ": only a loopback address may be served without TLS (give --tls-cert and --tls-key, or listen on 127.0.0.1"
          + " behind a TLS-terminating proxy)");
    }
    HostServices hosts = hostServices(address.getAddress().isLoopbackAddress());
    HumanCheck check = hosts.humanCheck();
    if (ctx().getenv(TurnstileHumanCheck.SECRET_ENV) == null && ctx().getenv(HatchSpi.CHALLENGE_ENV) != null) {
      check = HatchSpi.humanCheck(ctx()); // duck's own shared-token check, as `duck hatch` uses it
    }
    SpaceDuck duck;
    try {
      duck = root().open(check, hosts.verificationDelivery(), b -> b.peckNotifier(hosts.peckNotifier()));
    } catch (RuntimeException e) {
      hosts.close();
      throw e;
    }
    devLines.goLive();
    for (String line : hosts.summary()) {
      err().println("duck: " + line);
    }
    SpaceDuckServer server;
    try {
      SpaceDuckServer.Builder b = SpaceDuckServer.builder()
          .engine(duck)
          .listen(address)
          .clock(ctx().clock())
          .trustedProxies(trustedProxies)
          .metricsPublic(metricsPublic);
      hosts.turnstileSiteKey().ifPresent(b::turnstileSiteKey); // Mission Control's hatch page shows the widget
      if (tlsCert != null && tlsKey != null) {
        b.tls(ctx().resolve(tlsCert.toString()), ctx().resolve(tlsKey.toString()));
      }
      server = b.start();
    } catch (UncheckedIOException e) {
      duck.close();
      hosts.close();
      throw CliException.config("cannot listen on " + listen + ": " + e.getCause().getMessage());
    } catch (IllegalArgumentException | IllegalStateException e) {
      duck.close();
      hosts.close();
      throw CliException.config(e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      try {
        server.close(); // stop accepting, drain in-flight requests
      } finally {
        try {
          duck.close(); // then the engine: the server never owns it
        } finally {
          hosts.close(); // last: the webhooks drain the engine's final transitions
        }
        err().println("duck: stopped");
        stopped.countDown();
      }
    }, "duck-serve-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    emit(Json.obj().put("url", server.uri().toString()));
    err().println("duck: serving " + server.uri() + " — SIGTERM or Ctrl-C stops it (in-flight requests finish first)");
    stopped.await();
    return ExitCodes.OK;
  }

  /**
   * The host parts from the environment. Development mode (codes on stderr, a passing human check
   * for what is not configured) is the default on a loopback address and refused on any other.
   */
  private HostServices hostServices(boolean loopback) {
    boolean devMode;
    try {
      devMode = HostServices.devModeRequested(ctx()::getenv, loopback);
    } catch (IllegalStateException e) {
      throw CliException.config(e.getMessage());
    }
    if (devMode && !loopback) {
      throw CliException.config(HostServices.DEV_MODE_ENV + "=true is refused off a loopback address:"
          + " development mode prints verification codes and passes every human check");
    }
    PrintStream devOut = new PrintStream(devLines, true, StandardCharsets.UTF_8);
    try {
      return HostServices.fromEnvironment(
          name -> name.equals(HostServices.DEV_MODE_ENV) ? Boolean.toString(devMode) : ctx().getenv(name), devOut);
    } catch (IllegalStateException | IllegalArgumentException e) {
      throw CliException.config(e.getMessage());
    }
  }

  private static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw CliException.usage("--listen must be HOST:PORT, e.g. 127.0.0.1:8080");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw CliException.usage("--listen: the port is not a number");
    }
    if (port < 0 || port > 65535) {
      throw CliException.usage("--listen: the port must be 0 to 65535");
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
    } catch (UnknownHostException e) {
      throw CliException.usage("--listen: unknown host " + (Redaction.echoable(host) ? host : Redaction.HIDDEN));
    }
  }
}
