package io.spaceduck.server.hosts;

import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckNotifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PeckNotifier} that POSTs each peck transition to configured URLs as a signed webhook following
 * the Standard Webhooks convention (standardwebhooks.com, spec 1.0.0): headers {@code webhook-id} (one
 * {@code msg_…} id per event, the same on every retry and every endpoint), {@code webhook-timestamp}
 * (unix seconds of the attempt) and {@code webhook-signature} ({@code v1,<base64 HMAC-SHA256 of
 * id.timestamp.body>} with the endpoint's {@code whsec_} secret). The body is the thin JSON event of
 * {@link PeckEvents}: ids, state, reason code, timestamps.
 *
 * <h2>Delivery</h2>
 *
 * {@link #onTransition} never blocks and never throws: it serialises the event, and queues one delivery
 * per endpoint. At most {@code queueCapacity} deliveries are outstanding (queued, in flight or waiting for
 * a retry); beyond that a delivery is dropped, counted in {@link #stats()} and logged at WARN (the 1st,
 * 2nd, 4th, 8th… drop, so a flood cannot flood the log). A few worker threads send; an attempt is bounded
 * by the request timeout. A network error, a timeout, 429 or a 5xx is retried up to {@code maxAttempts}
 * in all, after an exponential backoff with jitter (half fixed, half random), or after the receiver's
 * {@code Retry-After} when that is longer; a retry further out than {@code maxRetryDelay} is not made.
 * Any other status (3xx, 4xx) is final. Receivers deduplicate by {@code webhook-id}. The engine's own
 * contract stays at-most-once: the inbox is the reliable path (P3).
 *
 * <h2>Security guarantees</h2>
 *
 * Payloads carry ids only, never secrets or message content (P7). Logs name an endpoint by its position
 * and host, never its path or query (which may hold a token), and never print a secret or a signature.
 * Plain http is refused except to loopback; redirects are not followed.
 *
 * <p>Thread-safe. {@link #close()} stops accepting, lets the workers finish what is queued or in flight
 * until the drain timeout, and abandons the rest (retries waiting for their backoff included).
 */
public final class WebhookPeckNotifier implements PeckNotifier, AutoCloseable {
  /** Space- or comma-separated endpoint URLs (the notifier is off when unset). */
  public static final String URLS_ENV = "SPACEDUCK_WEBHOOK_URLS";
  /** The {@code whsec_…} secret for every URL in {@value #URLS_ENV}. */
  public static final String SECRET_ENV = "SPACEDUCK_WEBHOOK_SECRET";
  /** Outstanding deliveries at most (default 1000). */
  public static final String QUEUE_ENV = "SPACEDUCK_WEBHOOK_QUEUE";
  /** Worker threads (default 2). */
  public static final String WORKERS_ENV = "SPACEDUCK_WEBHOOK_WORKERS";
  /** Attempts per delivery, first included (default 5). */
  public static final String ATTEMPTS_ENV = "SPACEDUCK_WEBHOOK_MAX_ATTEMPTS";
  /** Per-request timeout (default 15s). */
  public static final String TIMEOUT_ENV = "SPACEDUCK_WEBHOOK_TIMEOUT";

  /** Runs a task after a delay; the notifier's retries go through it (tests pass a manual one). */
  @FunctionalInterface
  public interface Scheduler {
    /**
     * @throws java.util.concurrent.RejectedExecutionException if the scheduler is shut down
     */
    void schedule(Duration delay, Runnable task);
  }

  /**
   * Counters since creation.
   *
   * @param accepted deliveries queued (one per endpoint per event)
   * @param delivered deliveries a receiver answered with 2xx
   * @param retried retries scheduled
   * @param failed deliveries given up (final status, attempts exhausted, abandoned at close)
   * @param dropped deliveries refused because the queue was full or the notifier closed
   * @param outstanding deliveries queued, in flight or waiting for a retry now
   */
  public record Stats(long accepted, long delivered, long retried, long failed, long dropped, int outstanding) {}

  private static final Logger log = LoggerFactory.getLogger(WebhookPeckNotifier.class);
  private static final String USER_AGENT = "SpaceDuck-Webhooks/1";

  private static final class Endpoint {
    final URI url;
    final WebhookSecret secret;
    final String label;

    Endpoint(URI url, WebhookSecret secret, String label) {
      this.url = url;
      this.secret = secret;
      this.label = label;
    }
  }

  private static final class Delivery {
    final Endpoint endpoint;
    final String id;
    final byte[] body;
    final int attempt;

    Delivery(Endpoint endpoint, String id, byte[] body, int attempt) {
      this.endpoint = endpoint;
      this.id = id;
      this.body = body;
      this.attempt = attempt;
    }

    Delivery next() {
      return new Delivery(endpoint, id, body, attempt + 1);
    }
  }

  private final List<Endpoint> endpoints;
  private final int capacity;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration maxRetryDelay;
  private final Duration requestTimeout;
  private final Duration drainTimeout;
  private final Clock clock;
  private final Scheduler scheduler;
  private final @Nullable ScheduledExecutorService ownedScheduler;
  private final RandomGenerator jitter;
  private final SecureRandom ids = new SecureRandom();
  private final HttpClient client;
  private final LinkedBlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();
  private final Set<Delivery> waiting = ConcurrentHashMap.newKeySet();
  private final List<Thread> workers = new ArrayList<>();
  /** Queued + in flight + waiting for a retry: bounded by {@link #capacity}. */
  private final AtomicInteger pending = new AtomicInteger();
  /** Queued + in flight: what {@link #close()} drains. */
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong retried = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition drained = lock.newCondition();
  private volatile boolean closing;
  private volatile boolean stopped;

  private WebhookPeckNotifier(Builder b) {
    this.endpoints = List.copyOf(b.endpoints);
    this.capacity = b.queueCapacity;
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.maxRetryDelay = b.maxRetryDelay;
    this.requestTimeout = b.requestTimeout;
    this.drainTimeout = b.drainTimeout;
    this.clock = b.clock;
    this.jitter = b.random;
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownedScheduler = null;
    } else {
      ScheduledThreadPoolExecutor s =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, "spaceduck-webhook-retry");
                t.setDaemon(true);
                return t;
              });
      s.setRemoveOnCancelPolicy(true);
      this.ownedScheduler = s;
      this.scheduler = (delay, task) -> s.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(b.connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    for (int i = 0; i < b.workers; i++) {
      Thread t = new Thread(this::work, "spaceduck-webhook-" + (i + 1));
      t.setDaemon(true);
      workers.add(t);
    }
    workers.forEach(Thread::start);
  }

  /** A builder; at least one {@link Builder#endpoint} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * From the process environment: {@value #URLS_ENV} and {@value #SECRET_ENV} (both required), {@value
   * #QUEUE_ENV}, {@value #WORKERS_ENV}, {@value #ATTEMPTS_ENV}, {@value #TIMEOUT_ENV}.
   *
   * @throws IllegalStateException if a required variable is missing or a value is malformed (the message
   *     names the variable, never the value)
   */
  public static WebhookPeckNotifier fromEnvironment() {
    return fromEnvironment(System::getenv);
  }

  /** As {@link #fromEnvironment()}, reading variables through {@code env}. */
  public static WebhookPeckNotifier fromEnvironment(Function<String, @Nullable String> env) {
    return fromEnv(new Env(env)).build();
  }

  static Builder fromEnv(Env env) {
    Builder b = builder();
    String urls = env.require(URLS_ENV);
    WebhookSecret secret;
    try {
      secret = WebhookSecret.parse(env.require(SECRET_ENV));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(SECRET_ENV + ": " + e.getMessage());
    }
    int n = 0;
    for (String u : urls.split("[\\s,]+")) {
      if (u.isEmpty()) {
        continue;
      }
      try {
        b.endpoint(URI.create(u), secret);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(URLS_ENV + " entry " + (n + 1) + ": " + e.getMessage());
      }
      n++;
    }
    try {
      Integer q = env.integer(QUEUE_ENV);
      if (q != null) {
        b.queueCapacity(q);
      }
      Integer w = env.integer(WORKERS_ENV);
      if (w != null) {
        b.workers(w);
      }
      Integer a = env.integer(ATTEMPTS_ENV);
      if (a != null) {
        b.maxAttempts(a);
      }
      Duration t = env.duration(TIMEOUT_ENV);
      if (t != null) {
        b.requestTimeout(t);
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("webhook settings: " + e.getMessage());
    }
    return b;
  }

  /** Queues the event for every endpoint and returns at once; never throws. */
  @Override
  public void onTransition(Peck peck) {
    if (closing) {
      for (int i = 0; i < endpoints.size(); i++) {
        drop("the notifier is closed");
      }
      return;
    }
    byte[] body;
    try {
      body = PeckEvents.payload(peck, clock.instant());
    } catch (RuntimeException e) {
      log.warn("peck notification not sent: cannot build its payload ({})", e.getClass().getSimpleName());
      return;
    }
    String id = newId();
    for (Endpoint e : endpoints) {
      if (pending.incrementAndGet() > capacity) {
        pending.decrementAndGet();
        drop("the queue is full (" + capacity + " outstanding)");
        continue;
      }
      accepted.incrementAndGet();
      active.incrementAndGet();
      Delivery d = new Delivery(e, id, body, 1);
      queue.add(d);
      if (stopped && queue.remove(d)) {
        abandon(d);
      }
    }
  }

  /** A Standard Webhooks message id: {@code msg_} and 128 random bits, base64url (no dots). */
  private String newId() {
    byte[] b = new byte[16];
    ids.nextBytes(b);
    return "msg_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private void drop(String why) {
    long n = dropped.incrementAndGet();
    if (Long.bitCount(n) == 1) {
      log.warn("peck notification dropped: {} ({} dropped so far)", why, n);
    }
  }

  private void work() {
    try {
      while (!stopped) {
        send(queue.take());
      }
    } catch (InterruptedException e) {
      // close() stops the workers
    }
  }

  private void send(Delivery d) {
    long timestamp = clock.instant().getEpochSecond();
    HttpRequest request =
        HttpRequest.newBuilder(d.endpoint.url)
            .timeout(requestTimeout)
            .header("Content-Type", "application/json")
            .header("User-Agent", USER_AGENT)
            .header("webhook-id", d.id)
            .header("webhook-timestamp", Long.toString(timestamp))
            .header("webhook-signature", d.endpoint.secret.sign(d.id, timestamp, d.body))
            .POST(HttpRequest.BodyPublishers.ofByteArray(d.body))
            .build();
    CompletableFuture<HttpResponse<Void>> future = client.sendAsync(request, HttpResponse.BodyHandlers.discarding());
    HttpResponse<Void> response;
    try {
      response = future.get(requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      retryLater(d, "no answer within " + requestTimeout.toMillis() + " ms", null);
      return;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      retryLater(d, cause.getClass().getSimpleName(), null);
      return;
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      giveUp(d, "the notifier closed during the attempt");
      return;
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      delivered.incrementAndGet();
      finish();
    } else if (status == 429 || status >= 500) {
      retryLater(d, "HTTP " + status, retryAfter(response.headers().firstValue("Retry-After")));
    } else {
      giveUp(d, "HTTP " + status + ", which is not retried");
    }
  }

  /** {@code Retry-After} as delta-seconds or an HTTP-date (RFC 9110 §10.2.3); unreadable: none. */
  private @Nullable Duration retryAfter(Optional<String> header) {
    if (header.isEmpty()) {
      return null;
    }
    String v = header.get().strip();
    if (v.matches("\\d{1,9}")) {
      return Duration.ofSeconds(Long.parseLong(v));
    }
    try {
      Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration d = Duration.between(clock.instant(), at);
      return d.isNegative() ? Duration.ZERO : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private void retryLater(Delivery d, String why, @Nullable Duration retryAfter) {
    if (closing) {
      giveUp(d, why + "; the notifier is closing");
      return;
    }
    if (d.attempt >= maxAttempts) {
      giveUp(d, why + " on the last of " + maxAttempts + " attempts");
      return;
    }
    Duration delay = backoff(d.attempt);
    if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
      delay = retryAfter;
    }
    if (delay.compareTo(maxRetryDelay) > 0) {
      giveUp(d, why + "; its Retry-After is beyond " + maxRetryDelay.toSeconds() + " s");
      return;
    }
    Delivery next = d.next();
    waiting.add(next);
    retried.incrementAndGet();
    log.info("webhook {} to endpoint {} failed ({}); attempt {} of {} in {} ms",
        d.id, d.endpoint.label, why, next.attempt, maxAttempts, delay.toMillis());
    try {
      scheduler.schedule(delay, () -> requeue(next));
    } catch (RuntimeException e) {
      if (waiting.remove(next)) {
        abandonWaiting();
      }
    }
    inactive(); // after scheduling, so that idle means "the retry is scheduled"
  }

  private Duration backoff(int attempt) {
    return backoff(attempt, initialBackoff, maxBackoff, jitter);
  }

  /**
   * The backoff before attempt {@code attempt + 1}: {@code initial × 2^(attempt−1)} capped at {@code max},
   * of which the upper half is random ("equal jitter").
   */
  static Duration backoff(int attempt, Duration initial, Duration max, RandomGenerator random) {
    long cap = max.toMillis();
    long first = initial.toMillis();
    int doublings = attempt - 1;
    long exp = doublings < 62 && first <= (cap >> doublings) ? first << doublings : cap; // no overflow
    long half = exp / 2;
    return Duration.ofMillis(exp - half + random.nextLong(half + 1));
  }

  private void requeue(Delivery next) {
    if (!waiting.remove(next)) {
      return; // abandoned at close
    }
    if (closing) {
      abandonWaiting();
      return;
    }
    active.incrementAndGet();
    queue.add(next);
    if (stopped && queue.remove(next)) {
      abandon(next);
    }
  }

  private void giveUp(Delivery d, String why) {
    failed.incrementAndGet();
    log.warn("webhook {} to endpoint {} not delivered: {}", d.id, d.endpoint.label, why);
    finish();
  }

  /** A queued delivery abandoned at close: counted, logged once by {@link #close()}. */
  private void abandon(Delivery d) {
    failed.incrementAndGet();
    finish();
  }

  /** A delivery waiting for its retry, abandoned at close (it was not active). */
  private void abandonWaiting() {
    failed.incrementAndGet();
    pending.decrementAndGet();
  }

  private void finish() {
    pending.decrementAndGet();
    inactive();
  }

  private void inactive() {
    if (active.decrementAndGet() == 0) {
      lock.lock();
      try {
        drained.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Waits until nothing is queued or in flight (retries waiting for their backoff do not count), or the
   * timeout passes.
   *
   * @return whether it became idle
   */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (active.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        drained.awaitNanos(left);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** The counters now. */
  public Stats stats() {
    return new Stats(accepted.get(), delivered.get(), retried.get(), failed.get(), dropped.get(), pending.get());
  }

  /**
   * Stops accepting, waits up to the drain timeout for queued and in-flight deliveries, then stops the
   * workers and abandons the rest (logged once). Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    closing = true;
    try {
      awaitIdle(drainTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stopped = true;
    long before = failed.get();
    for (Delivery w : List.copyOf(waiting)) {
      if (waiting.remove(w)) {
        abandonWaiting();
      }
    }
    Delivery q;
    while ((q = queue.poll()) != null) {
      abandon(q);
    }
    workers.forEach(Thread::interrupt);
    if (ownedScheduler != null) {
      ownedScheduler.shutdownNow();
    }
    long abandoned = failed.get() - before;
    if (abandoned > 0) {
      log.warn("webhook notifier closed; {} deliveries abandoned", abandoned);
    }
  }

  @Override
  public String toString() {
    return "WebhookPeckNotifier[" + endpoints.size() + " endpoint(s)]";
  }

  /** Settings for a {@link WebhookPeckNotifier}; every setting but the endpoints has a default. Not thread-safe. */
  public static final class Builder {
    private final List<Endpoint> endpoints = new ArrayList<>();
    private int queueCapacity = 1000;
    private int workers = 2;
    private int maxAttempts = 5;
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofMinutes(5);
    private Duration maxRetryDelay = Duration.ofHours(1);
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration requestTimeout = Duration.ofSeconds(15);
    private Duration drainTimeout = Duration.ofSeconds(10);
    private Clock clock = Clock.systemUTC();
    private @Nullable Scheduler scheduler;
    private RandomGenerator random = new Random();

    private Builder() {}

    /** A receiver and its secret (Standard Webhooks advises one secret per endpoint). https unless loopback. */
    public Builder endpoint(URI url, WebhookSecret secret) {
      URI checked = Urls.requireHttpsUnlessLoopback(url, "webhook URL");
      endpoints.add(new Endpoint(checked, Objects.requireNonNull(secret, "secret"), Urls.label(endpoints.size(), checked)));
      return this;
    }

    /** Several receivers sharing one secret. */
    public Builder endpoints(Collection<URI> urls, WebhookSecret secret) {
      urls.forEach(u -> endpoint(u, secret));
      return this;
    }

    /** Outstanding deliveries at most: queued, in flight or waiting for a retry (default 1000). */
    public Builder queueCapacity(int n) {
      this.queueCapacity = range(n, 1, 1_000_000, "queueCapacity");
      return this;
    }

    /** Worker threads (default 2). */
    public Builder workers(int n) {
      this.workers = range(n, 1, 64, "workers");
      return this;
    }

    /** Attempts per delivery, the first included (default 5). */
    public Builder maxAttempts(int n) {
      this.maxAttempts = range(n, 1, 20, "maxAttempts");
      return this;
    }

    /** Backoff before the first retry, doubled for each further one (default 1 s). */
    public Builder initialBackoff(Duration d) {
      this.initialBackoff = TurnstileHumanCheck.Builder.positive(d, "initialBackoff");
      return this;
    }

    /** Longest backoff (default 5 min). */
    public Builder maxBackoff(Duration d) {
      this.maxBackoff = TurnstileHumanCheck.Builder.positive(d, "maxBackoff");
      return this;
    }

    /** A retry (a long {@code Retry-After}) further out than this is not made (default 1 h). */
    public Builder maxRetryDelay(Duration d) {
      this.maxRetryDelay = TurnstileHumanCheck.Builder.positive(d, "maxRetryDelay");
      return this;
    }

    /** Time to open a connection (default 5 s). */
    public Builder connectTimeout(Duration d) {
      this.connectTimeout = TurnstileHumanCheck.Builder.positive(d, "connectTimeout");
      return this;
    }

    /** Time for one attempt, until the answer's status (default 15 s). */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = TurnstileHumanCheck.Builder.positive(d, "requestTimeout");
      return this;
    }

    /** How long {@link WebhookPeckNotifier#close()} waits for queued deliveries (default 10 s). */
    public Builder drainTimeout(Duration d) {
      this.drainTimeout = TurnstileHumanCheck.Builder.positive(d, "drainTimeout");
      return this;
    }

    /** The clock for {@code webhook-timestamp} and the event time (default UTC system clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Where retries wait (default: a daemon thread the notifier owns and stops at close). */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** The randomness of the backoff jitter (must be thread-safe; default {@link Random}). */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * Starts the workers.
     *
     * @throws IllegalStateException if no endpoint was given
     */
    public WebhookPeckNotifier build() {
      if (endpoints.isEmpty()) {
        throw new IllegalStateException("at least one webhook endpoint is required");
      }
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException("maxBackoff is shorter than initialBackoff");
      }
      return new WebhookPeckNotifier(this);
    }

    private static int range(int n, int min, int max, String name) {
      if (n < min || n > max) {
        throw new IllegalArgumentException(name + " must be " + min + " to " + max);
      }
      return n;
    }
  }
}
