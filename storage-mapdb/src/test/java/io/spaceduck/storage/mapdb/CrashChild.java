package io.spaceduck.storage.mapdb;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.Bond;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Pulse;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Child process of {@link MapDbCrashTest}: opens the store, then on several threads runs governance-like
 * units and pulses until it is killed, printing each action on stdout only once the store has
 * acknowledged it (the call returned).
 *
 * <p>Every unit of thread {@code t} in run {@code r} (its {@code k}-th) writes, atomically: a bond
 * (indexed by the run's operator), a meta row {@code crash.unit.<bond id>}, the thread's counter row
 * {@code crash.counter.<r>.<t>} moved from {@code k} to {@code k+1}, and one audit event naming the
 * bond. All four are present or all absent after a crash; the counter proves each thread's units are
 * gapless. Pulses go to one agent per thread, at {@code T0 + k ms}, status {@code k}.
 *
 * <p>Output: {@code READY}, then {@code U <bond id> <t> <k>} and {@code P <agent id> <k>} lines. On an
 * unexpected exception: {@code FAIL <exception>} and exit status 3.
 */
public final class CrashChild {
  private CrashChild() {}

  static final int THREADS = 4;

  static DucklingId operatorOf(int run) {
    return Fixtures.operator(1_000_000L + run);
  }

  static long bondNumber(int run, int thread, int k) {
    return run * 100_000_000L + thread * 10_000_000L + k;
  }

  static AgentId pulseAgent(int run, int thread) {
    return Fixtures.agent(9_000_000_000L + run * 100L + thread);
  }

  static String counterKey(int run, int thread) {
    return "crash.counter." + run + "." + thread;
  }

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int run = Integer.parseInt(args[1]);
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    MapDbStorage store = MapDbStorage.open(file);
    say(out, "READY");
    DucklingId operator = operatorOf(run);
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      Thread worker =
          new Thread(
              () -> {
                try {
                  work(store, out, run, thread, operator);
                } catch (Throwable e) {
                  say(out, "FAIL " + e);
                  e.printStackTrace();
                  System.exit(3);
                }
              },
              "crash-worker-" + t);
      worker.start();
    }
    // runs until SIGKILL
  }

  private static void work(MapDbStorage store, PrintStream out, int run, int thread, DucklingId operator) {
    AgentId agent = pulseAgent(run, thread);
    for (int k = 0; ; k++) {
      int kk = k;
      Bond bond = Fixtures.bond(bondNumber(run, thread, k), operator);
      String id = bond.id().value();
      store.execute(
          tx -> {
            String counterKey = counterKey(run, thread);
            Optional<Versioned<MetaRecord>> counter = tx.get(Tables.META, counterKey);
            String expected = Integer.toString(kk);
            if (!counter.map(c -> c.value().value()).orElse("0").equals(expected)) {
              throw new IllegalStateException("counter " + counterKey + " is " + counter + ", expected " + kk);
            }
            tx.insert(Tables.BONDS, bond);
            tx.insert(Tables.META, new MetaRecord("crash.unit." + id, run + "/" + thread + "/" + kk));
            MetaRecord next = new MetaRecord(counterKey, Integer.toString(kk + 1));
            if (counter.isPresent()) {
              tx.update(Tables.META, counter.get(), next);
            } else {
              tx.insert(Tables.META, next);
            }
            tx.appendAudit(
                Fixtures.draft(
                    "crash.unit",
                    id,
                    Map.of("run", Integer.toString(run), "thread", Integer.toString(thread), "k", Integer.toString(kk))));
            return null;
          });
      say(out, "U " + id + " " + thread + " " + k);
      if (k % 2 == 0) {
        store.recordPulse(new Pulse(agent, operator, Fixtures.T0.plusMillis(k), Integer.toString(k)));
        say(out, "P " + agent.value() + " " + k);
      }
    }
  }

  private static void say(PrintStream out, String line) {
    synchronized (out) {
      out.print(line + "\n");
      out.flush();
    }
  }
}
