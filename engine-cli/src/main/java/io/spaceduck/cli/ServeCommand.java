package io.spaceduck.cli;

import io.spaceduck.api.SpaceDuck;
import io.spaceduck.server.SpaceDuckServer;
import java.io.UncheckedIOException;
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
 * <p>Development stand-ins, said loudly at start: verification codes go to stderr (as {@code duck
 * hatch} does) and the human check passes unless {@code $SPACEDUCK_CHALLENGE} is set. The SMTP,
 * Turnstile and webhook parts are wired here when they land (issue 17's host SPI work).
 */
@Command(
    name = "serve",
    description = {
      "Serve the /beak/* HTTP API (docs/http-api.md) on this store until SIGTERM or Ctrl-C.",
      "Plain HTTP only on a loopback address; any other address needs --tls-cert and --tls-key.",
      "Development mode: hatch verification codes are printed to stderr, not emailed.",
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
    SpaceDuck duck = open();
    err().println("duck: DEVELOPMENT MODE: hatch verification codes are printed on this terminal (stderr), not emailed,");
    err().println("duck: and the human check passes every hatch unless " + HatchSpi.CHALLENGE_ENV + " is set. Do not expose");
    err().println("duck: this to the public before SMTP delivery and Turnstile are configured (docs/http-api.md).");
    SpaceDuckServer server;
    try {
      SpaceDuckServer.Builder b = SpaceDuckServer.builder()
          .engine(duck)
          .listen(address)
          .clock(ctx().clock())
          .trustedProxies(trustedProxies)
          .metricsPublic(metricsPublic);
      if (tlsCert != null && tlsKey != null) {
        b.tls(ctx().resolve(tlsCert.toString()), ctx().resolve(tlsKey.toString()));
      }
      server = b.start();
    } catch (UncheckedIOException e) {
      duck.close();
      throw CliException.config("cannot listen on " + listen + ": " + e.getCause().getMessage());
    } catch (IllegalArgumentException | IllegalStateException e) {
      duck.close();
      throw CliException.config(e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      try {
        server.close(); // stop accepting, drain in-flight requests
      } finally {
        duck.close(); // then the engine: the server never owns it
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
