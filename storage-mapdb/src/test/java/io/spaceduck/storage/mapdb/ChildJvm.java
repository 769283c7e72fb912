package io.spaceduck.storage.mapdb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a {@code main} class of this test tree on the test class path, with its stdout
 * read line by line on a daemon thread. Only complete lines (ending in a newline) count: a child
 * killed in the middle of a line did not report that line.
 */
final class ChildJvm {
  /** Marks the end of stdout in {@link #lines}. */
  static final String EOF = "\u0000EOF";

  final Process process;
  final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final Path stderr;
  private final Thread reader;

  private ChildJvm(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.reader = new Thread(this::readLines, "child-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code main} with {@code args}; its stderr goes to {@code stderr}, its temporary files beside it. */
  static ChildJvm start(Class<?> main, Path stderr, String... args) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    // a quick start matters more than peak speed: the crash test starts dozens of these
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    // MapDB's lz4-java extracts a native library to java.io.tmpdir and deletes it only at a clean exit:
    // a SIGKILLed child leaves it behind, so it goes to the test's temporary directory
    cmd.add("-Djava.io.tmpdir=" + stderr.toAbsolutePath().getParent());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(stderr.toFile());
    return new ChildJvm(pb.start(), stderr);
  }

  private void readLines() {
    try (InputStream in = process.getInputStream()) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        if (b == '\n') {
          lines.add(line.toString(StandardCharsets.UTF_8));
          line.reset();
        } else {
          line.write(b);
        }
      }
    } catch (IOException e) {
      // the pipe breaks when the child is killed: whatever was complete is in lines
    } finally {
      lines.add(EOF);
    }
  }

  /** The next complete line, or {@link #EOF}; fails after {@code seconds}. */
  String nextLine(long seconds) throws InterruptedException {
    String l = lines.poll(seconds, TimeUnit.SECONDS);
    if (l == null) {
      throw new AssertionError("child printed nothing for " + seconds + " s; stderr: " + stderr());
    }
    return l;
  }

  /** Waits for the reader to see the end of stdout (after the child died). */
  void awaitOutputEnd() throws InterruptedException {
    reader.join(TimeUnit.SECONDS.toMillis(60));
  }

  String stderr() {
    try {
      return Files.readString(stderr);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("child did not die");
    }
  }
}
