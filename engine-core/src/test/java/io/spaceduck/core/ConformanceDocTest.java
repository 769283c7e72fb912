package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.conformance.ConformanceTries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/conformance.md true: its "certify your backend" classes are, line for line, the in-memory
 * store's certifications that run in this build ({@link InMemoryEngineContractTest} here, {@code
 * InMemoryStorageContractTest} in conformance-tests), and it names the kit's system properties.
 */
class ConformanceDocTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  private static final Path DOC = ROOT.resolve("docs/conformance.md");

  /** The non-blank lines between the markers, stripped, without Markdown fences and package lines. */
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
    assertTrue(from >= 0 && to > from, "markers " + start + " not found in " + file);
    return lines.subList(from, to).stream().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("```")).toList();
  }

  @Test
  void certifyingTheEngineContract_isTheCompiledInMemoryRun() throws IOException {
    assertEquals(
        block(Path.of("src/test/java/io/spaceduck/core/InMemoryEngineContractTest.java"), "// certify:start", "// certify:end"),
        block(DOC, "<!-- certify-engine:start -->", "<!-- certify-engine:end -->"),
        "docs/conformance.md's engine example differs from InMemoryEngineContractTest.java");
  }

  @Test
  void certifyingTheStorageContract_isTheCompiledInMemoryRun() throws IOException {
    Path source = ROOT.resolve("conformance-tests/src/test/java/io/spaceduck/conformance/InMemoryStorageContractTest.java");
    assertEquals(
        block(source, "// certify:start", "// certify:end"),
        block(DOC, "<!-- certify-storage:start -->", "<!-- certify-storage:end -->"),
        "docs/conformance.md's storage example differs from InMemoryStorageContractTest.java");
  }

  @Test
  void theSystemPropertiesAreDocumented() throws IOException {
    String doc = Files.readString(DOC);
    for (String property : List.of(ConformanceTries.PROPERTY, ConformanceTries.ACTIONS_PROPERTY, "spaceduck.conformance.detection.runs")) {
      assertTrue(doc.contains("`" + property + "`") || doc.contains(property + "="), property + " is not documented");
    }
    assertTrue(doc.contains("triesPercent()"), "EngineContract.triesPercent() is not documented");
  }
}
