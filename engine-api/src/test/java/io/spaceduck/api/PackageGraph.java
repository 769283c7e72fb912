package io.spaceduck.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The package dependency graph of Java sources, read from their text: a package depends on another
 * of the same sources when one of its files imports a type (or a static member, or everything) of
 * that package, or names one of its types fully qualified in code. References inside a package are
 * not edges. Comments and string literals are ignored, so a Javadoc {@code {@link}} is not a
 * dependency (it is not one for the compiler either). Packages outside the sources (the JDK,
 * libraries) are not nodes.
 */
final class PackageGraph {
  private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
  private static final Pattern IMPORT =
      Pattern.compile("^\\s*import\\s+(?:static\\s+)?([\\w.]+?)(?:\\.\\*)?\\s*;", Pattern.MULTILINE);
  /** A dotted name whose last part starts with an upper-case letter: {@code a.b.C}. */
  private static final Pattern QUALIFIED = Pattern.compile("\\b([a-z_][\\w]*(?:\\.[a-z_][\\w]*)*)\\.[A-Z]\\w*");

  /** package → (package it depends on → the first file, by name, that makes the edge). */
  private final Map<String, Map<String, String>> edges = new TreeMap<>();

  private PackageGraph() {}

  /**
   * The graph of every {@code src/main/java} tree under {@code root} (build output under {@code
   * target} left out).
   */
  static PackageGraph ofMainSources(Path root) {
    Map<String, String> sources = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      files
          .filter(p -> p.toString().endsWith(".java"))
          .filter(p -> !p.getFileName().toString().equals("module-info.java"))
          .filter(p -> {
            Path rel = root.relativize(p);
            String s = rel.toString().replace('\\', '/');
            return s.contains("/src/main/java/") && !s.startsWith("target/") && !s.contains("/target/") && !s.startsWith(".");
          })
          .forEach(p -> sources.put(root.relativize(p).toString().replace('\\', '/'), read(p)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return of(sources);
  }

  /** The graph of the given sources (file name → text). */
  static PackageGraph of(Map<String, String> sources) {
    Map<String, String> code = new LinkedHashMap<>();
    Map<String, String> packageOf = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : sources.entrySet()) {
      String text = codeOnly(e.getValue());
      Matcher m = PACKAGE.matcher(text);
      if (!m.find()) {
        continue; // the default package: nothing can import it
      }
      code.put(e.getKey(), text);
      packageOf.put(e.getKey(), m.group(1));
    }
    Set<String> packages = new TreeSet<>(packageOf.values());
    PackageGraph g = new PackageGraph();
    for (String p : packages) {
      g.edges.put(p, new TreeMap<>());
    }
    for (Map.Entry<String, String> e : code.entrySet()) {
      String file = e.getKey();
      String from = packageOf.get(file);
      String text = e.getValue();
      Matcher imports = IMPORT.matcher(text);
      while (imports.find()) {
        g.add(from, owningPackage(imports.group(1), packages), file);
      }
      Matcher qualified = QUALIFIED.matcher(text);
      while (qualified.find()) {
        String name = qualified.group(1);
        if (packages.contains(name)) {
          g.add(from, name, file);
        }
      }
    }
    return g;
  }

  private void add(String from, String to, String file) {
    if (to != null && !to.equals(from)) {
      edges.get(from).putIfAbsent(to, file.substring(file.lastIndexOf('/') + 1));
    }
  }

  /** The longest prefix of {@code name} that is one of {@code packages}, or null. */
  private static String owningPackage(String name, Set<String> packages) {
    String n = name;
    while (true) {
      if (packages.contains(n)) {
        return n;
      }
      int dot = n.lastIndexOf('.');
      if (dot < 0) {
        return null;
      }
      n = n.substring(0, dot);
    }
  }

  Set<String> packages() {
    return edges.keySet();
  }

  /** The packages {@code from} depends on. */
  Set<String> dependencies(String from) {
    return edges.getOrDefault(from, Map.of()).keySet();
  }

  /**
   * One cycle per strongly connected component of more than one package, each written as {@code a
   * -[File.java]-> b -[Other.java]-> a}; empty when the graph is acyclic.
   */
  List<String> cycles() {
    List<String> out = new ArrayList<>();
    for (Set<String> component : components()) {
      if (component.size() > 1) {
        out.add(describe(cycleThrough(component)));
      }
    }
    return out;
  }

  /** Tarjan's strongly connected components. */
  private List<Set<String>> components() {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new TreeSet<>();
    List<Set<String>> out = new ArrayList<>();
    int[] counter = {0};
    for (String v : edges.keySet()) {
      if (!index.containsKey(v)) {
        strongConnect(v, index, low, stack, onStack, out, counter);
      }
    }
    return out;
  }

  private void strongConnect(
      String v,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      Set<String> onStack,
      List<Set<String>> out,
      int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]);
    counter[0]++;
    stack.push(v);
    onStack.add(v);
    for (String w : dependencies(v)) {
      if (!index.containsKey(w)) {
        strongConnect(w, index, low, stack, onStack, out, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      out.add(component);
    }
  }

  /** A shortest path from the component's first package back to itself, inside the component. */
  private List<String> cycleThrough(Set<String> component) {
    String start = component.iterator().next();
    Map<String, String> parent = new HashMap<>();
    Deque<String> queue = new ArrayDeque<>(List.of(start));
    while (!queue.isEmpty()) {
      String v = queue.poll();
      for (String w : dependencies(v)) {
        if (!component.contains(w)) {
          continue;
        }
        if (w.equals(start)) {
          List<String> path = new ArrayList<>(List.of(start));
          for (String u = v; !u.equals(start); u = parent.get(u)) {
            path.add(1, u);
          }
          path.add(start);
          return path;
        }
        if (!parent.containsKey(w)) {
          parent.put(w, v);
          queue.add(w);
        }
      }
    }
    throw new AssertionError("a strongly connected component without a cycle: " + component);
  }

  private String describe(List<String> path) {
    StringBuilder sb = new StringBuilder(path.get(0));
    for (int i = 1; i < path.size(); i++) {
      sb.append(" -[").append(edges.get(path.get(i - 1)).get(path.get(i))).append("]-> ").append(path.get(i));
    }
    return sb.toString();
  }

  /** One line per package: {@code a -> b, c}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    edges.forEach((p, deps) -> sb.append(p).append(" -> ").append(deps.isEmpty() ? "(nothing)" : String.join(", ", deps.keySet())).append('\n'));
    return sb.toString();
  }

  /** The text with comments, string, text-block and character literals blanked out. */
  static String codeOnly(String text) {
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (c == '/' && i + 1 < n && text.charAt(i + 1) == '/') {
        while (i < n && text.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
        int end = text.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        out.append(' ');
      } else if (text.startsWith("\"\"\"", i)) {
        int end = text.indexOf("\"\"\"", i + 3);
        while (end > 0 && text.charAt(end - 1) == '\\') {
          end = text.indexOf("\"\"\"", end + 1);
        }
        i = end < 0 ? n : end + 3;
        out.append("\"\"");
      } else if (c == '"' || c == '\'') {
        int j = i + 1;
        while (j < n && text.charAt(j) != c && text.charAt(j) != '\n') {
          j += text.charAt(j) == '\\' ? 2 : 1;
        }
        i = j + 1;
        out.append(c).append(c);
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
