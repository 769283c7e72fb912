package io.spaceduck.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A host that follows README.md ("Embedding": one dependency on {@code engine-core}) builds and runs
 * the README's example with Maven <b>offline</b>, and gets the same fixed third-party versions our
 * own build uses. Before the fix, MapDB's version ranges ({@code kotlin-stdlib [1.9.22,1.9.999)},
 * eclipse-collections, guava) reached the consumer, whose offline build then failed; our parent's
 * {@code dependencyManagement} pins them for us but not for a consumer.
 *
 * <p>How, without touching the shared {@code ~/.m2}: a private local repository under
 * {@code target/consumer/repo} holds this build's artifacts (copied from the modules' {@code target/}
 * as {@code install} would lay them out) and every third-party file of {@code ~/.m2} — jars and POMs
 * hard-linked (never written in place), the small bookkeeping files Maven may rewrite copied, and
 * {@code io/spaceduck} left out so a stale installed snapshot cannot stand in. The consumer build runs
 * {@code mvn -o test} with that repository and the plugin versions this build already resolved.
 */
class ReadmeConsumerIT {
  /** What the README's dependency brings: the modules to "install", parent first. */
  private static final List<String> SHIPPED = List.of("engine-api", "storage-spi", "storage-mapdb", "engine-core");

  private static final Path ROOT = Path.of(prop("consumer.root")).toAbsolutePath().normalize();
  private static final String VERSION = prop("consumer.version");
  private static final Path WORK = Path.of(prop("consumer.work"));

  private static String prop(String name) {
    String v = System.getProperty(name);
    if (v == null || v.isBlank() || v.startsWith("${")) {
      throw new IllegalStateException("system property " + name + " is not set: run this through Maven (mvn verify)");
    }
    return v;
  }

  @Test
  void readmeEmbeddingExample_buildsAndRunsOffline_asASeparateProject_withOurFixedVersions() throws Exception {
    deleteTree(WORK);
    Path repo = WORK.resolve("repo").toAbsolutePath();
    Path project = WORK.resolve("project");
    seedThirdParty(Path.of(prop("consumer.sourceRepository")), repo);
    installShipped(repo);
    writeProject(project);

    Path log = WORK.resolve("consumer-build.log");
    List<String> cmd = List.of(mvn(), "-o", "-B", "-ntp", "-Dstyle.color=never",
        "-s", Files.writeString(WORK.resolve("settings.xml"), "<settings/>\n").toString(),
        "-Dmaven.repo.local=" + repo, "test");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().remove("MAVEN_ARGS");
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      fail("the consumer build did not finish in 10 minutes; log: " + log);
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), () -> "the README's consumer project does not build offline (" + String.join(" ", cmd)
        + " in " + project + "):\n" + tail(output));

    // the versions the consumer resolved are exactly the ones this build resolved for engine-core
    Map<String, String> consumer = versions(Files.readAllLines(project.resolve("target/classpath.txt")), repo);
    Map<String, String> ours = versions(List.of(testClassPath().split(File.pathSeparator)), Path.of(prop("consumer.sourceRepository")));
    List<String> differ = new ArrayList<>();
    consumer.forEach((artifact, version) -> {
      if (artifact.startsWith("io/spaceduck/") || isTestTooling(artifact)) {
        return;
      }
      if (!version.equals(ours.get(artifact))) {
        differ.add(artifact + ": consumer " + version + ", our build " + ours.get(artifact));
      }
    });
    assertEquals(List.of(), differ, "a consumer must inherit the versions our build pins");
    assertTrue(consumer.containsKey("org/jetbrains/kotlin/kotlin-stdlib"), "the consumer's class path includes MapDB's Kotlin: " + consumer);
  }

  /** JUnit and its parts are the consumer test's own choice, not something our POMs hand down. */
  private static boolean isTestTooling(String artifact) {
    return artifact.startsWith("org/junit/") || artifact.startsWith("org/opentest4j/") || artifact.startsWith("org/apiguardian/");
  }

  /** Surefire and Failsafe start tests through a manifest-only jar; the real class path is here. */
  static String testClassPath() {
    return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
  }

  private static String mvn() {
    Path home = Path.of(prop("consumer.mavenHome"));
    Path bin = home.resolve("bin/mvn");
    return Files.isExecutable(bin) ? bin.toString() : "mvn";
  }

  /**
   * Every file of {@code source} but {@code io/spaceduck}: jars and POMs hard-linked (or symlinked
   * across file systems) since Maven only ever replaces them, never rewrites them; its bookkeeping
   * files copied, so nothing done here writes through to {@code ~/.m2}.
   */
  private static void seedThirdParty(Path source, Path repo) throws IOException {
    Path ours = source.resolve("io/spaceduck");
    try (Stream<Path> files = Files.walk(source)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        if (f.startsWith(ours)) {
          continue;
        }
        String name = f.getFileName().toString();
        if (name.endsWith(".lastUpdated") || name.endsWith(".part") || name.endsWith(".lock")) {
          continue;
        }
        Path to = repo.resolve(source.relativize(f).toString());
        Files.createDirectories(to.getParent());
        if (name.endsWith(".jar") || name.endsWith(".pom")) {
          try {
            Files.createLink(to, f);
          } catch (FileSystemException | UnsupportedOperationException crossDevice) {
            Files.createSymbolicLink(to, f);
          }
        } else {
          Files.copy(f, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  /** This build's artifacts, laid out as {@code mvn install} would (a locally installed snapshot). */
  private static void installShipped(Path repo) throws IOException {
    install(repo, "spaceduck-parent", ROOT.resolve("pom.xml"), null);
    for (String module : SHIPPED) {
      Path jar = ROOT.resolve(module).resolve("target").resolve(module + "-" + VERSION + ".jar");
      if (!Files.isRegularFile(jar)) {
        fail(jar + " is missing: run this in a reactor build that packages " + module + " (mvn verify, or -pl consumer-check -am)");
      }
      install(repo, module, ROOT.resolve(module).resolve("pom.xml"), jar);
    }
  }

  private static void install(Path repo, String artifactId, Path pom, Path jar) throws IOException {
    Path dir = repo.resolve("io/spaceduck").resolve(artifactId).resolve(VERSION);
    Files.createDirectories(dir);
    Files.copy(pom, dir.resolve(artifactId + "-" + VERSION + ".pom"), StandardCopyOption.REPLACE_EXISTING);
    if (jar != null) {
      Files.copy(jar, dir.resolve(artifactId + "-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * The consumer: README's dependency block as its only dependency (plus JUnit to run it), the
   * README's example verbatim as a method of a class in {@code src/main}, and a test that runs it and
   * records its class path.
   */
  private void writeProject(Path project) throws IOException {
    String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
    String embedding = readme.substring(readme.indexOf("## Embedding"));
    String dependency = between(embedding, "```xml\n", "```");
    String example = between(embedding, "<!-- embed:start -->\n", "<!-- embed:end -->").replace("```java\n", "").replace("```\n", "");
    String pom = """
        <?xml version="1.0" encoding="UTF-8"?>
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>example.host</groupId>
          <artifactId>readme-consumer</artifactId>
          <version>1</version>
          <properties>
            <maven.compiler.release>17</maven.compiler.release>
            <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
          </properties>
          <dependencies>
        %s
            <dependency>
              <groupId>org.junit.jupiter</groupId>
              <artifactId>junit-jupiter</artifactId>
              <version>%s</version>
              <scope>test</scope>
            </dependency>
          </dependencies>
          <build>
            <plugins>
              <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>%s</version></plugin>
              <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>%s</version></plugin>
              <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>%s</version></plugin>
            </plugins>
          </build>
        </project>
        """.formatted(dependency.replace("0.1.0-SNAPSHOT", VERSION), prop("consumer.junit"), prop("consumer.resourcesPlugin"),
        prop("consumer.compilerPlugin"), prop("consumer.surefirePlugin"));
    Files.createDirectories(project);
    Files.writeString(project.resolve("pom.xml"), pom);
    String main = """
        package example.host;

        import io.spaceduck.api.*;
        import io.spaceduck.api.spi.*;
        import io.spaceduck.core.*;
        import java.nio.file.Path;

        /** README.md's embedding example, verbatim. */
        public final class ReadmeExample {
          public static AuditVerification run(Path dir, HumanCheck turnstile, VerificationDelivery mailer) {
        %s
          }
        }
        """.formatted(example);
    write(project.resolve("src/main/java/example/host/ReadmeExample.java"), main);
    String test = """
        package example.host;

        import static org.junit.jupiter.api.Assertions.assertTrue;

        import java.io.File;
        import java.nio.file.Files;
        import java.nio.file.Path;
        import java.util.List;
        import org.junit.jupiter.api.Test;
        import org.junit.jupiter.api.io.TempDir;

        class ReadmeExampleTest {
          @Test
          void runs(@TempDir Path dir) throws Exception {
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            Files.write(Path.of("target/classpath.txt"), List.of(cp.split(File.pathSeparator)));
            assertTrue(ReadmeExample.run(dir, (token, source) -> true, (email, hatch, code, expiresAt) -> {}).valid());
          }
        }
        """;
    write(project.resolve("src/test/java/example/host/ReadmeExampleTest.java"), test);
  }

  private static String between(String text, String start, String end) {
    int from = text.indexOf(start);
    assertTrue(from >= 0, "README.md's Embedding section has no " + start.strip());
    from += start.length();
    int to = text.indexOf(end, from);
    assertTrue(to >= 0, "README.md's Embedding section has no end " + end.strip());
    return text.substring(from, to);
  }

  /**
   * {@code group/path/artifactId -> version} of the jars on a class path that lie in a Maven
   * repository layout ({@code …/group/path/artifactId/version/artifactId-version[-classifier].jar})
   * under {@code repo}.
   */
  private static Map<String, String> versions(List<String> classPath, Path repo) {
    Map<String, String> out = new TreeMap<>();
    for (String entry : classPath) {
      Path jar = Path.of(entry.strip());
      if (!jar.getFileName().toString().endsWith(".jar") || jar.getNameCount() < 4) {
        continue;
      }
      String version = jar.getParent().getFileName().toString();
      String artifactId = jar.getParent().getParent().getFileName().toString();
      if (!jar.getFileName().toString().startsWith(artifactId + "-" + version)) {
        continue; // a reactor module's target/ jar, not a repository file
      }
      Path artifactDir = jar.getParent().getParent().toAbsolutePath().normalize();
      repo = repo.toAbsolutePath().normalize();
      if (artifactDir.startsWith(repo)) {
        out.put(repo.relativize(artifactDir).toString().replace(File.separatorChar, '/'), version);
      }
    }
    return out;
  }

  private static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  private static String tail(String text) {
    List<String> lines = text.lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
