package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cert list|show|verify} and {@code jwks}. */
class CertCommandTest {
  @TempDir Path dir;
  DuckRunner duck;
  String admin;
  String[] ada;
  String[] scout;

  @BeforeEach
  void setUp() {
    duck = new DuckRunner(dir);
    admin = duck.init();
    ada = duck.operator(admin, "Ada");
    scout = duck.bond(ada[1], "scout", "T1");
  }

  @Test
  @Tag("C3")
  void list_oneLinePerCertificate_callerAndItsAgents() {
    List<String> lines = duck.as(ada[1], "cert", "list").ok().lines();
    // Ada's T1 (superseded) and T2 (current) certificates, then scout's
    assertEquals(3, lines.size(), String.join("\n", lines));
    assertTrue(lines.get(0).matches("ct_[a-z2-7]+ " + ada[0] + " T1 superseded"), lines.get(0));
    assertTrue(lines.get(1).matches("ct_[a-z2-7]+ " + ada[0] + " T2 current"), lines.get(1));
    assertEquals(scout[3] + " " + scout[0] + " T1 current", lines.get(2));
  }

  @Test
  @Tag("C4")
  void show_needsACaller_andPrintsFieldsJwtOrHtml() {
    duck.run("cert", "show", scout[3]).fails(ExitCodes.USAGE); // no key configured
    DuckRunner.Result fields = duck.as(ada[1], "cert", "show", scout[3]).ok();
    assertEquals(scout[0], fields.field("subject id"));
    assertEquals(ada[0], fields.field("operator id"));
    String jwt = duck.as(ada[1], "cert", "show", scout[3], "--jwt").ok().out().strip();
    assertEquals(3, jwt.split("\\.").length);
    String html = duck.as(ada[1], "cert", "show", scout[3], "--html").ok().out();
    assertTrue(html.contains("<") && html.contains("scout"), html);
    duck.as(ada[1], "cert", "show", scout[3], "--jwt", "--html").fails(ExitCodes.USAGE);
    duck.as(ada[1], "cert", "show", "ct_aaaaaaaaaaaaaaaaaaaaaaaaaa").fails(ExitCodes.NOT_FOUND);
  }

  @Test
  @Tag("C2")
  void verify_offlineWithTheJwks_readsNoStore() throws Exception {
    duck.write("jwks.json", duck.run("jwks").ok().out());
    duck.write("scout.jwt", duck.as(ada[1], "cert", "show", scout[3], "--jwt").ok().out());
    // offline: point at a store that does not exist, with no KEK — neither is opened
    DuckRunner.Result r = duck.run(java.util.Map.of("SPACEDUCK_STORE", dir.resolve("nowhere.db").toString()), "",
        "cert", "verify", "scout.jwt", "--jwks", "jwks.json").ok();
    assertTrue(r.out().startsWith("valid certificate " + scout[3] + " of " + scout[0]), r.out());
    assertFalse(Files.exists(dir.resolve("nowhere.db")));
    // online against the store's keys
    duck.run("cert", "verify", "scout.jwt").ok();
  }

  @Test
  @Tag("C2")
  void verify_aForgedCertificate_fails() {
    duck.write("jwks.json", duck.run("jwks").ok().out());
    String jwt = duck.as(ada[1], "cert", "show", scout[3], "--jwt").ok().out().strip();
    String[] parts = jwt.split("\\.");
    String forged = parts[0] + "." + parts[1] + "." + (parts[2].startsWith("A") ? "B" : "A") + parts[2].substring(1);
    duck.write("forged.jwt", forged);
    duck.run("cert", "verify", "forged.jwt", "--jwks", "jwks.json").fails(ExitCodes.INVALID_INPUT);
    duck.run("cert", "verify", "forged.jwt").fails(ExitCodes.INVALID_INPUT);
    duck.write("bad-jwks.json", "{\"keys\": 3}");
    duck.run("cert", "verify", "forged.jwt", "--jwks", "bad-jwks.json").fails(ExitCodes.USAGE);
    duck.run("cert", "verify", "missing.jwt", "--jwks", "jwks.json").fails(ExitCodes.USAGE);
  }

  @Test
  @Tag("C2")
  void jwks_isAPublicKeySet_needingNoCaller() {
    String jwks = duck.run("jwks").ok().out();
    assertTrue(jwks.contains("\"keys\"") && jwks.contains("\"kty\""), jwks);
    assertFalse(jwks.contains("\"d\""), "no private key material");
  }
}
