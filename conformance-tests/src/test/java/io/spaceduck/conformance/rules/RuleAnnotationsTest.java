package io.spaceduck.conformance.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spaceduck.conformance.rules.RuleAnnotations.Declaration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The source reading behind docs/rules.md: what counts as a rule claim, and what does not. */
class RuleAnnotationsTest {
  private static final String SOURCE =
      String.join(
          "\n",
          "package x;",
          "/** Mentions @Tag(\"K9\") in a comment: not a claim. */",
          "@Tag(\"K1\")",
          "class Sample {",
          "  // @Tag(\"K8\") commented out",
          "  @Test",
          "  @Tag(\"H1\") @Tag(\"slow\")",
          "  @DisplayName(\"with (parentheses) and \\\"quotes\\\"\")",
          "  @Tag(\"A1\")",
          "  void first() {",
          "    String url = \"jdbc:postgresql://host/db\"; // not a comment start",
          "  }",
          "",
          "  @Property(tries = 10)",
          "  @Label(\"I1–I4 SPI K2: a chain of the CAS kind\")",
          "  void second(@ForAll int i) {}",
          "",
          "  @Label(\"plain text that mentions K3 later\")",
          "  void third() {}",
          "",
          "  @org.junit.jupiter.api.Tag(\"U3\")",
          "  <T> List<T> fourth() { return null; }",
          "  /* @Tag(\"U2\")",
          "     still a comment */",
          "  @Tag(\"CAS\")",
          "  void fifth() {}",
          "}");

  @Test
  void tagsAndLeadingLabelIds_areClaims_commentsAndOtherTagsAreNot() {
    List<Declaration> found = RuleAnnotations.declarations(SOURCE);

    assertEquals(
        List.of(
            new Declaration("(every test of Sample)", 3, Set.of("K1")),
            new Declaration("first", 7, Set.of("H1", "A1")),
            new Declaration("second", 15, Set.of("I1", "I2", "I3", "I4", "K2")),
            new Declaration("fourth", 21, Set.of("U3"))),
        found);
  }

  @Test
  void labels_claimOnlyTheIdsTheyBeginWith() {
    assertEquals(Set.of("A3"), RuleAnnotations.labelRules("A3: an untampered view verifies"));
    assertEquals(Set.of("I1", "I2", "I3", "I4", "I5", "I6", "I8", "A1"), RuleAnnotations.labelRules("I1–I6 I8 A1 chains match"));
    assertEquals(Set.of("I4"), RuleAnnotations.labelRules("SPI I4 a failure after"));
    assertEquals(Set.of(), RuleAnnotations.labelRules("generated pecks are K4"));
  }

  @Test
  void comments_becomeSpaces_linesAndStringsStay() {
    String stripped = RuleAnnotations.withoutComments("a // b \"c\"\n\"// d\" /* e\n f */ g");
    assertEquals("a" + " ".repeat(9) + "\n\"// d\"" + " ".repeat(5) + "\n" + " ".repeat(6) + "g", stripped);
  }
}
