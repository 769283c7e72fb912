package io.spaceduck.server.hosts;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A local webhook receiver: records every request and answers from a plan (status and optional
 * Retry-After), 204 once the plan is used up. {@link #hang()} makes it hold every answer until released.
 */
final class WebhookReceiver implements AutoCloseable {
  record Received(String path, String id, String timestamp, String signature, String contentType, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private record Answer(int status, String retryAfter) {}

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final ConcurrentLinkedQueue<Answer> plan = new ConcurrentLinkedQueue<>();
  final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private volatile CountDownLatch hang = new CountDownLatch(0);

  WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  URI url(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery);
  }

  void answer(int status) {
    plan.add(new Answer(status, ""));
  }

  void answer(int status, String retryAfter) {
    plan.add(new Answer(status, retryAfter));
  }

  CountDownLatch hang() {
    CountDownLatch l = new CountDownLatch(1);
    hang = l;
    return l;
  }

  Received next() throws InterruptedException {
    Received r = received.poll(10, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("the receiver got no webhook");
    }
    return r;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      Map<String, java.util.List<String>> h = ex.getRequestHeaders();
      received.add(
          new Received(
              ex.getRequestURI().toString(),
              ex.getRequestHeaders().getFirst("webhook-id"),
              ex.getRequestHeaders().getFirst("webhook-timestamp"),
              ex.getRequestHeaders().getFirst("webhook-signature"),
              String.valueOf(h.get("Content-Type")),
              ex.getRequestBody().readAllBytes()));
      try {
        hang.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      Answer a = plan.poll();
      int status = a == null ? 204 : a.status();
      if (a != null && !a.retryAfter().isEmpty()) {
        ex.getResponseHeaders().set("Retry-After", a.retryAfter());
      }
      ex.sendResponseHeaders(status, -1);
    }
  }

  @Override
  public void close() {
    hang.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
