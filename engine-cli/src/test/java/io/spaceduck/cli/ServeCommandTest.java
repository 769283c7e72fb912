package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code duck serve}: a real process on a free loopback port, answering HTTP, stopped by SIGTERM. */
class ServeCommandTest {
  @TempDir Path dir;

  @Test
  void serve_printsTheUrl_answers_andStopsGracefullyOnSigterm() throws Exception {
    DuckRunner duck = new DuckRunner(dir);
    String admin = duck.init();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--listen", "127.0.0.1:0", "--json"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(dir.resolve("stderr.txt").toFile());
    pb.environment().putAll(duck.env);
    pb.environment().put("SPACEDUCK_TURNSTILE_SITE_KEY", "1x00000000000000000000AA"); // public: handed to the server
    Process p = pb.start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      Matcher m = Pattern.compile("\"url\":\"(http://127\\.0\\.0\\.1:[0-9]+/)\"").matcher(String.valueOf(line));
      assertTrue(m.find(), "the URL on stdout: " + line + "\nstderr: " + Files.readString(dir.resolve("stderr.txt")));
      URI base = URI.create(m.group(1));
      HttpClient http = HttpClient.newHttpClient();
      var health = http.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode());
      var config = http.send(HttpRequest.newBuilder(base.resolve("/beak/config")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, config.statusCode());
      assertEquals("{\"turnstile_site_key\":\"1x00000000000000000000AA\"}", config.body(), "duck serve published the site key");
      var hatch = http.send(HttpRequest.newBuilder(base.resolve("/beak/hatch")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"display_name\":\"Ada\",\"email\":\"ada@example.org\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(202, hatch.statusCode(), hatch.body());
      p.destroy(); // SIGTERM
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "duck serve stopped after SIGTERM");
      String err = Files.readString(dir.resolve("stderr.txt"));
      assertTrue(err.contains("DEVELOPMENT MODE"), err);
      assertTrue(err.contains("verification code for ht_"), "the dev delivery printed the code on stderr: " + err);
      assertTrue(err.contains("duck: stopped"), "the shutdown hook stopped the server and closed the engine: " + err);
      assertTrue(!err.contains("\tat "), err);
      duck.as(admin, "audit", "verify").ok(); // the store is closed cleanly and still verifies
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void plainHttpOffLoopback_isAConfigurationError_andAKeyFileIsRefused() {
    DuckRunner duck = new DuckRunner(dir);
    duck.init();
    var r = duck.run("serve", "--listen", "0.0.0.0:0").fails(ExitCodes.CONFIG);
    assertTrue(r.err().contains("loopback"), r.err());
    duck.run("serve", "--key-file", "k.txt").fails(ExitCodes.USAGE);
    duck.run("serve", "--tls-cert", "c.pem").fails(ExitCodes.USAGE);
    duck.run("serve", "--trusted-proxy", "not-an-ip").fails(ExitCodes.USAGE);
  }

  @Test
  void developmentMode_isRefusedOffLoopback_andAMalformedSwitchIsAConfigurationError() throws Exception {
    DuckRunner duck = new DuckRunner(dir);
    duck.init();
    Files.writeString(dir.resolve("c.pem"), "not read: the refusal comes first");
    Files.writeString(dir.resolve("k.pem"), "not read: the refusal comes first");
    var r = duck.run(Map.of("SPACEDUCK_DEV_MODE", "true"), "",
        "serve", "--listen", "0.0.0.0:0", "--tls-cert", "c.pem", "--tls-key", "k.pem").fails(ExitCodes.CONFIG);
    assertTrue(r.err().contains("SPACEDUCK_DEV_MODE=true is refused off a loopback address"), r.err());
    var m = duck.run(Map.of("SPACEDUCK_DEV_MODE", "maybe"), "", "serve", "--listen", "127.0.0.1:0").fails(ExitCodes.CONFIG);
    assertTrue(m.err().contains("SPACEDUCK_DEV_MODE must be true or false"), m.err());
    var k = duck.run(Map.of("SPACEDUCK_TURNSTILE_SITE_KEY", "not a key"), "", "serve", "--listen", "127.0.0.1:0").fails(ExitCodes.CONFIG);
    assertTrue(k.err().contains("SPACEDUCK_TURNSTILE_SITE_KEY must be"), k.err());
    assertTrue(!k.err().contains("not a key"), "the value is not echoed: " + k.err());
  }
}
