package io.spaceduck.server.hosts;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spaceduck.api.spi.HumanCheck;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HumanCheck} backed by Cloudflare Turnstile's siteverify API (H1). Each {@link #verify} POSTs the
 * form fields {@code secret}, {@code response} (the token), {@code remoteip} (the {@code source}, when it is
 * an IP literal) and {@code idempotency_key} (a fresh UUID per check, reused by its retries) to the
 * endpoint, and passes only on HTTP 200 with a JSON object whose {@code success} is the boolean {@code
 * true} and, when configured, whose {@code hostname} and {@code action} match.
 *
 * <h2>Security guarantees</h2>
 *
 * Fails closed: a timeout, a connection failure, a status other than 200, a body that is not one JSON
 * object (or is over 16 KiB, or repeats a key), {@code success} missing or not exactly {@code true}, or a
 * hostname/action mismatch all return {@code false}, as does a token that is empty or longer than the
 * 2048 characters Turnstile issues (without a network call). The secret and the token never reach a log
 * line, an exception message or {@link #toString()}; logs carry only Turnstile's {@code error-codes}, the
 * HTTP status or the exception's class. Redirects are never followed (the secret stays with the endpoint).
 *
 * <p>Thread-safe and immutable; one instance serves all requests. Each attempt is bounded by the request
 * timeout (the whole exchange, body included); with {@code maxAttempts > 1} a network failure, a 5xx or
 * Turnstile's {@code internal-error} is retried with the same idempotency key.
 */
public final class TurnstileHumanCheck implements HumanCheck {
  /** Cloudflare's siteverify endpoint. */
  public static final URI DEFAULT_ENDPOINT = URI.create("https://challenges.cloudflare.com/turnstile/v0/siteverify");
  /** The widget's secret key (required by {@link #fromEnvironment()}). */
  public static final String SECRET_ENV = "SPACEDUCK_TURNSTILE_SECRET";
  /** If set, the hostname siteverify must report. */
  public static final String HOSTNAME_ENV = "SPACEDUCK_TURNSTILE_HOSTNAME";
  /** If set, the widget action siteverify must report. */
  public static final String ACTION_ENV = "SPACEDUCK_TURNSTILE_ACTION";
  /** If set, replaces {@link #DEFAULT_ENDPOINT} (a proxy, or a stub in tests). */
  public static final String ENDPOINT_ENV = "SPACEDUCK_TURNSTILE_URL";
  /** If set, the per-attempt timeout (e.g. {@code 5s}). */
  public static final String TIMEOUT_ENV = "SPACEDUCK_TURNSTILE_TIMEOUT";
  /**
   * The widget's site key: public, not a secret. Read by {@link HostServices#fromEnvironment()}, not by
   * this class (the check needs only the secret); a server publishes it so its hatch page can show the widget.
   */
  public static final String SITE_KEY_ENV = "SPACEDUCK_TURNSTILE_SITE_KEY";

  /** The longest token Turnstile issues. */
  static final int MAX_TOKEN_LENGTH = 2048;
  static final int MAX_RESPONSE_BYTES = 16 * 1024;

  private static final Logger log = LoggerFactory.getLogger(TurnstileHumanCheck.class);
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final Pattern SITE_KEY = Pattern.compile("[0-9A-Za-z_-]{1,64}");
  private static final Pattern IPV4 = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

  private enum Outcome {
    PASS,
    FAIL,
    RETRY
  }

  private final String secret;
  private final URI endpoint;
  private final Duration requestTimeout;
  private final @Nullable String hostname;
  private final @Nullable String action;
  private final boolean sendRemoteIp;
  private final int maxAttempts;
  private final HttpClient client;

  private TurnstileHumanCheck(Builder b, String secret) {
    this.secret = secret;
    this.endpoint = b.endpoint;
    this.requestTimeout = b.requestTimeout;
    this.hostname = b.hostname;
    this.action = b.action;
    this.sendRemoteIp = b.sendRemoteIp;
    this.maxAttempts = b.maxAttempts;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(b.connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** A builder; {@link Builder#secret(String)} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * From the process environment: {@value #SECRET_ENV} (required), {@value #HOSTNAME_ENV}, {@value
   * #ACTION_ENV}, {@value #ENDPOINT_ENV}, {@value #TIMEOUT_ENV}.
   *
   * @throws IllegalStateException if the secret is not set or a value is malformed (the message names the
   *     variable, never the value)
   */
  public static TurnstileHumanCheck fromEnvironment() {
    return fromEnvironment(System::getenv);
  }

  /** As {@link #fromEnvironment()}, reading variables through {@code env}. */
  public static TurnstileHumanCheck fromEnvironment(Function<String, @Nullable String> env) {
    return fromEnv(new Env(env));
  }

  static TurnstileHumanCheck fromEnv(Env env) {
    Builder b = builder().secret(env.require(SECRET_ENV));
    String host = env.get(HOSTNAME_ENV);
    if (host != null) {
      b.expectedHostname(host);
    }
    String act = env.get(ACTION_ENV);
    if (act != null) {
      b.expectedAction(act);
    }
    String url = env.get(ENDPOINT_ENV);
    if (url != null) {
      try {
        b.endpoint(URI.create(url));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(ENDPOINT_ENV + " must be an https URL (plain http only to a loopback address)");
      }
    }
    Duration t = env.duration(TIMEOUT_ENV);
    if (t != null) {
      b.requestTimeout(t);
    }
    return b.build();
  }

  @Override
  public boolean verify(String challengeToken, String source) {
    if (challengeToken == null || challengeToken.isEmpty() || challengeToken.length() > MAX_TOKEN_LENGTH) {
      return false;
    }
    String form = form(challengeToken, source, UUID.randomUUID().toString());
    for (int attempt = 1; attempt <= maxAttempts; attempt++) {
      Outcome o;
      try {
        o = attempt(form);
      } catch (RuntimeException e) {
        log.warn("Turnstile siteverify failed with {}; the challenge fails closed", e.getClass().getSimpleName());
        return false;
      }
      if (o != Outcome.RETRY) {
        return o == Outcome.PASS;
      }
    }
    return false;
  }

  private String form(String token, @Nullable String source, String idempotencyKey) {
    StringBuilder f = new StringBuilder();
    f.append("secret=").append(enc(secret)).append("&response=").append(enc(token));
    if (sendRemoteIp && source != null && isIpLiteral(source)) {
      f.append("&remoteip=").append(enc(source));
    }
    f.append("&idempotency_key=").append(enc(idempotencyKey));
    return f.toString();
  }

  /**
   * Whether {@code s} has the shape of a Turnstile site key: 1 to 64 characters of {@code [0-9A-Za-z_-]}
   * (Cloudflare's keys, and its test keys such as {@code 1x00000000000000000000AA}, are about 24).
   * The shape only: whether Cloudflare knows the key is for the widget to find out.
   */
  public static boolean isSiteKey(@Nullable String s) {
    return s != null && SITE_KEY.matcher(s).matches();
  }

  /** Without a DNS lookup: only text shaped like an IPv4 or IPv6 literal is sent as {@code remoteip}. */
  static boolean isIpLiteral(String s) {
    return IPV4.matcher(s).matches() || (s.indexOf(':') >= 0 && IPV6.matcher(s).matches());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private Outcome attempt(String form) {
    HttpRequest request =
        HttpRequest.newBuilder(endpoint)
            .timeout(requestTimeout)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8))
            .build();
    CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request, LimitedBody.handler(MAX_RESPONSE_BYTES));
    HttpResponse<byte[]> response;
    try {
      // The request timeout covers the response headers only; this bounds the body too.
      response = future.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      log.warn("Turnstile siteverify did not answer within {} ms; the challenge fails closed", requestTimeout.toMillis());
      return Outcome.RETRY;
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      return Outcome.FAIL;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      log.warn("Turnstile siteverify failed with {}; the challenge fails closed", cause.getClass().getSimpleName());
      return Outcome.RETRY;
    }
    int status = response.statusCode();
    if (status != 200) {
      log.warn("Turnstile siteverify answered HTTP {}; the challenge fails closed", status);
      return status >= 500 ? Outcome.RETRY : Outcome.FAIL;
    }
    return judge(response.body());
  }

  private Outcome judge(byte[] body) {
    JsonNode root;
    try {
      root = JSON.readTree(body);
    } catch (IOException e) {
      log.warn("Turnstile siteverify answered with malformed JSON; the challenge fails closed");
      return Outcome.FAIL;
    }
    if (root == null || !root.isObject()) {
      log.warn("Turnstile siteverify answered with something other than a JSON object; the challenge fails closed");
      return Outcome.FAIL;
    }
    JsonNode success = root.get("success");
    if (success == null || !success.isBoolean()) {
      log.warn("Turnstile siteverify answered without a boolean success; the challenge fails closed");
      return Outcome.FAIL;
    }
    if (!success.booleanValue()) {
      String codes = errorCodes(root.get("error-codes"));
      if (codes.contains("internal-error")) {
        log.warn("Turnstile siteverify reported {}", codes);
        return Outcome.RETRY;
      }
      if (codes.contains("-secret") || codes.contains("bad-request")) {
        log.warn("Turnstile siteverify reported {}: check the secret key and the endpoint", codes);
      } else {
        log.debug("Turnstile challenge failed: {}", codes);
      }
      return Outcome.FAIL;
    }
    if (hostname != null && !matches(root.get("hostname"), hostname, true)) {
      log.warn("Turnstile challenge passed for another hostname than the configured one; it fails closed");
      return Outcome.FAIL;
    }
    if (action != null && !matches(root.get("action"), action, false)) {
      log.warn("Turnstile challenge passed for another widget action than the configured one; it fails closed");
      return Outcome.FAIL;
    }
    return Outcome.PASS;
  }

  private static boolean matches(@Nullable JsonNode node, String expected, boolean ignoreCase) {
    if (node == null || !node.isTextual()) {
      return false;
    }
    return ignoreCase ? node.textValue().equalsIgnoreCase(expected) : node.textValue().equals(expected);
  }

  /** Turnstile's error codes, as a short list of known-shape words (never echoes arbitrary text). */
  private static String errorCodes(@Nullable JsonNode node) {
    if (node == null || !node.isArray()) {
      return "[]";
    }
    StringBuilder s = new StringBuilder("[");
    int n = 0;
    for (JsonNode c : node) {
      if (n == 8) {
        s.append(", …");
        break;
      }
      String code = c.isTextual() && c.textValue().matches("[a-z0-9-]{1,40}") ? c.textValue() : "?";
      s.append(n++ == 0 ? "" : ", ").append(code);
    }
    return s.append(']').toString();
  }

  @Override
  public String toString() {
    return "TurnstileHumanCheck[endpoint=" + endpoint + ", secret=***]";
  }

  /** Settings for a {@link TurnstileHumanCheck}; every setting but the secret has a default. Not thread-safe. */
  public static final class Builder {
    private @Nullable String secret;
    private URI endpoint = DEFAULT_ENDPOINT;
    private Duration connectTimeout = Duration.ofSeconds(3);
    private Duration requestTimeout = Duration.ofSeconds(5);
    private @Nullable String hostname;
    private @Nullable String action;
    private boolean sendRemoteIp = true;
    private int maxAttempts = 1;

    private Builder() {}

    /** The widget's secret key (required). */
    public Builder secret(String secret) {
      Objects.requireNonNull(secret, "secret");
      if (secret.isBlank()) {
        throw new IllegalArgumentException("the Turnstile secret is blank");
      }
      this.secret = secret;
      return this;
    }

    /** The siteverify URL (default {@link #DEFAULT_ENDPOINT}); https unless the host is loopback. */
    public Builder endpoint(URI endpoint) {
      this.endpoint = Urls.requireHttpsUnlessLoopback(endpoint, "Turnstile endpoint");
      return this;
    }

    /** Time to open the connection (default 3 s). */
    public Builder connectTimeout(Duration t) {
      this.connectTimeout = positive(t, "connectTimeout");
      return this;
    }

    /** Time for one whole exchange, body included (default 5 s). */
    public Builder requestTimeout(Duration t) {
      this.requestTimeout = positive(t, "requestTimeout");
      return this;
    }

    /** The hostname siteverify must report (compared ignoring case); unset: any. */
    public Builder expectedHostname(String hostname) {
      this.hostname = Objects.requireNonNull(hostname, "hostname").toLowerCase(Locale.ROOT);
      return this;
    }

    /** The widget action siteverify must report; unset: any. */
    public Builder expectedAction(String action) {
      this.action = Objects.requireNonNull(action, "action");
      return this;
    }

    /** Whether to send the {@code source} as {@code remoteip} when it is an IP literal (default true). */
    public Builder sendRemoteIp(boolean send) {
      this.sendRemoteIp = send;
      return this;
    }

    /** Attempts per check, 1–3 (default 1: no retry); retries reuse the idempotency key. */
    public Builder maxAttempts(int n) {
      if (n < 1 || n > 3) {
        throw new IllegalArgumentException("maxAttempts must be 1 to 3");
      }
      this.maxAttempts = n;
      return this;
    }

    /**
     * @throws IllegalStateException if no secret was given
     */
    public TurnstileHumanCheck build() {
      if (secret == null) {
        throw new IllegalStateException("a Turnstile secret is required");
      }
      return new TurnstileHumanCheck(this, secret);
    }

    static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return d;
    }
  }
}
