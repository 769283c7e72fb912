package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The fence between a property and the next: what jqwik's background shrinking may still run after a
 * property ended can open nothing, and the property's end waits for a try still holding a store.
 */
class TryFenceTest {
  /** A resource that counts its closes. */
  private static final class Resource implements AutoCloseable {
    final AtomicInteger closes = new AtomicInteger();

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  @Test
  @DisplayName("closeAll closes what the try opened, in order, once; a second closeAll closes nothing again")
  void closeAll_closesEachOnce() throws Exception {
    TryFence fence = new TryFence();
    List<String> order = new ArrayList<>();
    fence.open(() -> (AutoCloseable) () -> order.add("a"));
    fence.open(() -> (AutoCloseable) () -> order.add("b"));
    fence.closeAll();
    fence.closeAll();
    assertEquals(List.of("a", "b"), order);
  }

  @Test
  @DisplayName("after the property ended, opening fails with a message naming the background shrinking")
  void afterEnd_openRefused() {
    TryFence fence = new TryFence();
    assertTrue(fence.end(), "nothing was open");
    AtomicInteger opened = new AtomicInteger();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> fence.open(() -> {
      opened.incrementAndGet();
      return new Resource();
    }));
    assertTrue(e.getMessage().contains("jqwik.shrinking.bounded.seconds"), e.getMessage());
    assertEquals(0, opened.get(), "the opener never ran");
    fence.begin();
    fence.open(Resource::new); // a new property on the same instance may open again
  }

  @Test
  @DisplayName("end waits until a try still running closes its stores, then returns true")
  void end_waitsForTheLingeringTry() throws Exception {
    TryFence fence = new TryFence(Duration.ofSeconds(60));
    Resource r = fence.open(Resource::new); // a try of the ended property still holds it
    CompletableFuture<Boolean> ended = new CompletableFuture<>();
    Thread ender = new Thread(() -> ended.complete(fence.end()), "ender");
    ender.start();
    awaitWaiting(ender);
    assertFalse(ended.isDone(), "end returned while a store was open");
    fence.closeAll(); // the lingering try ends
    assertTrue(ended.get(60, TimeUnit.SECONDS));
    assertEquals(1, r.closes.get());
  }

  @Test
  @DisplayName("end gives up after its wait and says so (false); a failing close still forgets the store")
  void end_givesUpAfterItsWait() throws Exception {
    TryFence fence = new TryFence(Duration.ofMillis(50));
    fence.open(Resource::new);
    assertFalse(fence.end(), "the store stayed open");

    TryFence failing = new TryFence(Duration.ofMillis(50));
    failing.open(() -> (AutoCloseable) () -> {
      throw new IllegalStateException("close failed");
    });
    assertThrows(IllegalStateException.class, failing::closeAll);
    assertTrue(failing.end(), "a store whose close threw is not waited for");
  }

  private static void awaitWaiting(Thread t) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (t.getState() != Thread.State.TIMED_WAITING) {
      assertNotEquals(Thread.State.TERMINATED, t.getState(), "end returned early");
      assertTrue(System.nanoTime() < deadline, "end never waited: " + t.getState());
      Thread.yield();
    }
  }
}
