package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditVerification;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the README's embedding example true: it compiles (it is {@link EmbeddingExample}) and runs. */
class EmbeddingExampleTest {

  private static List<String> block(Path file, String start, String end) throws IOException {
    List<String> lines = Files.readAllLines(file);
    int from = -1;
    int to = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(start)) {
        from = i + 1;
      } else if (lines.get(i).contains(end) && from >= 0) {
        to = i;
        break;
      }
    }
    assertTrue(from >= 0 && to > from, "markers not found in " + file);
    return lines.subList(from, to).stream().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("```")).toList();
  }

  @Test
  void readmeShowsTheCompiledExample() throws IOException {
    Path root = Path.of("").toAbsolutePath().getParent();
    List<String> inReadme = block(root.resolve("README.md"), "<!-- embed:start -->", "<!-- embed:end -->");
    List<String> inSource =
        block(Path.of("src/test/java/io/spaceduck/core/EmbeddingExample.java"), "// embed:start", "// embed:end");
    assertEquals(inSource, inReadme, "README.md's embedding example differs from EmbeddingExample.java");
  }

  @Test
  void exampleRuns(@TempDir Path dir) {
    AuditVerification v =
        EmbeddingExample.run(dir, (token, source) -> true, (email, hatch, code, expiresAt) -> {});
    assertTrue(v.valid());
    assertEquals(3, v.eventsVerified()); // bootstrap, bond, revoke
  }
}
