package io.spaceduck.conformance.rules;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the rule ids that tests claim, by plain reading of Java sources (no compilation, no
 * reflection, so the tests of every module are seen from one module): {@code @Tag("K4")}, and the
 * rule ids a {@code @Label} text begins with ({@code @Label("I1–I6 I8 A1 …")}: ids and ranges of ids
 * up to the first word with a lower-case letter). Comments are ignored.
 */
final class RuleAnnotations {
  /** A rule id as the spec writes it. */
  static final Pattern RULE_ID = Pattern.compile("[A-Z][0-9]+");

  private static final Pattern RANGE = Pattern.compile("([A-Z])([0-9]+)[–-]([A-Z])([0-9]+)");
  private static final Pattern ANNOTATION =
      Pattern.compile(
          "@(?:org\\.junit\\.jupiter\\.api\\.|net\\.jqwik\\.api\\.)?(Tag|Label)\\s*\\(\\s*(?:value\\s*=\\s*)?\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern TYPE_DECLARATION = Pattern.compile("\\b(?:class|interface|record|enum)\\s+(\\w+)");
  private static final Pattern LAST_IDENTIFIER = Pattern.compile("(\\w+)\\s*$");

  /**
   * A test that claims rules.
   *
   * @param module the module's directory name
   * @param file the source file, relative to the repository root, with {@code /} separators
   * @param test the method name, or {@code "(every test of X)"} for an annotated class {@code X}
   * @param line the line of the declaration's first rule annotation, for a stable order
   * @param rules the rule ids claimed, in the order written
   */
  record Claim(String module, String file, String test, int line, Set<String> rules) {}

  /** A declaration of one source with the rule ids its annotations claim. */
  record Declaration(String name, int line, Set<String> rules) {}

  private RuleAnnotations() {}

  /**
   * Every claim in the Java sources under {@code root} that import JUnit or jqwik (the test trees and
   * the conformance kit's contracts), skipping build output and hidden directories; ordered by file
   * and line.
   */
  static List<Claim> scan(Path root) {
    List<Claim> claims = new ArrayList<>();
    try {
      for (Path source : sources(root)) {
        String text = Files.readString(source);
        if (!text.contains("import org.junit") && !text.contains("import net.jqwik")) {
          continue;
        }
        Path relative = root.relativize(source);
        String module = relative.getName(0).toString();
        for (Declaration d : declarations(text)) {
          claims.add(new Claim(module, slashed(relative), d.name(), d.line(), d.rules()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return claims;
  }

  /** The Java files under a {@code src} directory of {@code root}, never descending into build output. */
  private static List<Path> sources(Path root) throws IOException {
    List<Path> found = new ArrayList<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        String name = dir.equals(root) ? "" : dir.getFileName().toString();
        boolean skip = name.equals("target") || name.equals("node_modules") || name.startsWith(".");
        return skip ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (file.toString().endsWith(".java") && isSource(root.relativize(file))) {
          found.add(file);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    found.sort(Comparator.comparing(p -> slashed(root.relativize(p))));
    return found;
  }

  private static boolean isSource(Path relative) {
    boolean inSrc = false;
    for (Path part : relative) {
      String name = part.toString();
      if (name.equals("target") || name.startsWith(".") || name.equals("node_modules")) {
        return false;
      }
      inSrc |= name.equals("src");
    }
    return inSrc && relative.getNameCount() > 1;
  }

  private static String slashed(Path p) {
    return p.toString().replace('\\', '/');
  }

  /** The declarations of one source that carry rule annotations, in source order. */
  static List<Declaration> declarations(String source) {
    String code = withoutComments(source);
    List<Declaration> found = new ArrayList<>();
    Matcher m = ANNOTATION.matcher(code);
    int consumedUpTo = -1;
    String name = null;
    int line = 0;
    Set<String> rules = new LinkedHashSet<>();
    while (m.find()) {
      Set<String> ids = m.group(1).equals("Tag") ? tagRules(m.group(2)) : labelRules(m.group(2));
      if (m.start() >= consumedUpTo) {
        if (name != null && !rules.isEmpty()) {
          found.add(new Declaration(name, line, rules));
        }
        int[] end = new int[1];
        name = declarationAfter(code, m.end(), end);
        consumedUpTo = end[0];
        line = lineOf(code, m.start());
        rules = new LinkedHashSet<>();
      }
      rules.addAll(ids);
    }
    if (name != null && !rules.isEmpty()) {
      found.add(new Declaration(name, line, rules));
    }
    return found;
  }

  private static Set<String> tagRules(String tag) {
    return RULE_ID.matcher(tag).matches() ? Set.of(tag) : Set.of();
  }

  /** The rule ids (and ranges) a label starts with; upper-case words such as "SPI" are passed over. */
  static Set<String> labelRules(String label) {
    Set<String> ids = new LinkedHashSet<>();
    for (String word : label.strip().split("\\s+")) {
      String w = word.replaceAll("[:,;.]+$", "");
      if (!w.equals(w.toUpperCase(java.util.Locale.ROOT)) || w.isEmpty()) {
        break;
      }
      Matcher range = RANGE.matcher(w);
      if (range.matches() && range.group(1).equals(range.group(3))) {
        for (int i = Integer.parseInt(range.group(2)); i <= Integer.parseInt(range.group(4)); i++) {
          ids.add(range.group(1) + i);
        }
      } else if (RULE_ID.matcher(w).matches()) {
        ids.add(w);
      }
    }
    return ids;
  }

  /**
   * The name of the method or type declared after the annotation that ends at {@code from}: further
   * annotations are skipped; a type declaration yields {@code "(every test of X)"}. Stores in {@code
   * end[0]} where the declaration's header ends, so that annotations before it join the same claim.
   */
  private static String declarationAfter(String code, int from, int[] end) {
    int i = skipRestOfAnnotation(code, from);
    while (i < code.length()) {
      char c = code.charAt(i);
      if (Character.isWhitespace(c) || c == ',' || c == '}' || c == ')') {
        i++;
      } else if (c == '@') {
        i++;
        while (i < code.length() && (Character.isJavaIdentifierPart(code.charAt(i)) || code.charAt(i) == '.')) {
          i++;
        }
        int j = i;
        while (j < code.length() && Character.isWhitespace(code.charAt(j))) {
          j++;
        }
        if (j < code.length() && code.charAt(j) == '(') {
          i = skipBalanced(code, j);
        }
      } else {
        break;
      }
    }
    int stop = i;
    while (stop < code.length() && "({;=".indexOf(code.charAt(stop)) < 0) {
      stop++;
    }
    end[0] = stop;
    String header = code.substring(i, stop);
    Matcher type = TYPE_DECLARATION.matcher(header);
    if (type.find()) {
      return "(every test of " + type.group(1) + ")";
    }
    Matcher id = LAST_IDENTIFIER.matcher(header);
    return id.find() ? id.group(1) : "(unknown)";
  }

  /** From just after the annotation's first string literal to just after its closing parenthesis. */
  private static int skipRestOfAnnotation(String code, int from) {
    int depth = 1;
    int i = from;
    while (i < code.length() && depth > 0) {
      char c = code.charAt(i);
      if (c == '"') {
        i = skipString(code, i);
        continue;
      }
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      }
      i++;
    }
    return i;
  }

  private static int skipBalanced(String code, int open) {
    return skipRestOfAnnotation(code, open + 1);
  }

  private static int skipString(String code, int quote) {
    int i = quote + 1;
    while (i < code.length() && code.charAt(i) != '"') {
      i += code.charAt(i) == '\\' ? 2 : 1;
    }
    return i + 1;
  }

  private static int lineOf(String code, int index) {
    int line = 1;
    for (int i = 0; i < index; i++) {
      if (code.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  /**
   * The source with every comment replaced by spaces (line breaks kept), string, text-block and
   * character literals left as they are.
   */
  static String withoutComments(String s) {
    StringBuilder out = new StringBuilder(s.length());
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (s.startsWith("\"\"\"", i)) {
        int close = s.indexOf("\"\"\"", i + 3);
        int stop = close < 0 ? s.length() : close + 3;
        out.append(s, i, stop);
        i = stop;
      } else if (c == '"' || c == '\'') {
        int j = i + 1;
        while (j < s.length() && s.charAt(j) != c && s.charAt(j) != '\n') {
          j += s.charAt(j) == '\\' ? 2 : 1;
        }
        int stop = Math.min(s.length(), j + 1);
        out.append(s, i, stop);
        i = stop;
      } else if (s.startsWith("//", i)) {
        while (i < s.length() && s.charAt(i) != '\n') {
          out.append(' ');
          i++;
        }
      } else if (s.startsWith("/*", i)) {
        int close = s.indexOf("*/", i + 2);
        int stop = close < 0 ? s.length() : close + 2;
        for (int k = i; k < stop; k++) {
          out.append(s.charAt(k) == '\n' ? '\n' : ' ');
        }
        i = stop;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
