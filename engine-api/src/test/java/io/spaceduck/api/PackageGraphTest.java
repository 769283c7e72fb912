package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The packages of every module's main code form a graph without a cycle (issue 16): each package can
 * be read, tested and moved knowing only the packages below it. The repository is read from its
 * sources, so a module added later is covered without touching this test.
 */
class PackageGraphTest {
  @Test
  void mainCodeOfEveryModule_hasNoPackageCycle() throws URISyntaxException {
    Path root = repositoryRoot();
    PackageGraph graph = PackageGraph.ofMainSources(root);

    // the walk really read the repository: the modules' main packages and their known edges are there
    assertTrue(
        graph.packages().containsAll(Set.of("io.spaceduck.api", "io.spaceduck.api.spi", "io.spaceduck.storage", "io.spaceduck.core.internal", "io.spaceduck.cli")),
        () -> "packages read under " + root + ":\n" + graph);
    assertTrue(graph.dependencies("io.spaceduck.core.internal").containsAll(Set.of("io.spaceduck.api", "io.spaceduck.storage")), graph::toString);

    assertEquals(List.of(), graph.cycles(), () -> "package cycles in the main code:\n  " + String.join("\n  ", graph.cycles()) + "\nthe whole graph:\n" + graph);
  }

  @Test
  void aCycleThroughAnImportAndAQualifiedName_isReportedWithTheFilesThatMakeIt() {
    PackageGraph graph =
        PackageGraph.of(
            Map.of(
                "m/src/main/java/a/A.java", "package a;\nimport b.B;\nclass A { B b; }\n",
                "m/src/main/java/b/B.java", "package b;\nclass B { a.A a; }\n",
                "m/src/main/java/c/C.java", "package c;\nimport static a.A.*;\nimport b.*;\nclass C {}\n"));

    assertEquals(Set.of("a", "b"), graph.dependencies("c"));
    assertEquals(List.of("a -[A.java]-> b -[B.java]-> a"), graph.cycles());
  }

  @Test
  void aLongerCycle_isReportedOnce() {
    PackageGraph graph =
        PackageGraph.of(
            Map.of(
                "A.java", "package p.a;\nimport p.b.B;\nclass A {}\n",
                "B.java", "package p.b;\nimport p.c.C;\nclass B {}\n",
                "C.java", "package p.c;\nimport p.a.A;\nclass C {}\n",
                "D.java", "package p.d;\nimport p.a.A;\nclass D {}\n"));

    assertEquals(List.of("p.a -[A.java]-> p.b -[B.java]-> p.c -[C.java]-> p.a"), graph.cycles());
  }

  @Test
  void commentsStringsAndSamePackageReferences_areNotDependencies() {
    PackageGraph graph =
        PackageGraph.of(
            Map.of(
                "A.java",
                "package a;\n/** See {@link b.B}. */\nclass A {\n  // b.B is mentioned here\n  String s = \"b.B\";\n  String t = \"\"\"\n    b.B\n    \"\"\";\n  a.Other o;\n}\n",
                "Other.java", "package a;\nclass Other {}\n",
                "B.java", "package b;\nimport a.A;\nclass B {}\n"));

    assertEquals(Set.of(), graph.dependencies("a"));
    assertEquals(Set.of("a"), graph.dependencies("b"));
    assertEquals(List.of(), graph.cycles());
  }

  /** The directory holding the parent POM and this module, found upwards from the test classes. */
  private static Path repositoryRoot() throws URISyntaxException {
    Path dir = Path.of(PackageGraphTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    while (dir != null && !(Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("engine-api")))) {
      dir = dir.getParent();
    }
    assertTrue(dir != null, "no repository root above the test classes");
    return dir;
  }
}
