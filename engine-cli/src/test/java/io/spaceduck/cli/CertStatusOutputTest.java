package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cert show|list} tell a relying party that a revoked subject's certificate is not current (C4, C5). */
class CertStatusOutputTest {
  @TempDir Path dir;

  @Test
  @Tag("C4")
  @Tag("B2")
  void revokedAgent_certShowListAndCard_sayRevoked() {
    DuckRunner duck = new DuckRunner(dir);
    String admin = duck.init();
    String[] ada = duck.operator(admin, "Ada");
    String[] scout = duck.bond(ada[1], "scout", "T1");
    assertEquals("current", duck.as(ada[1], "cert", "show", scout[3]).ok().field("status"));

    duck.as(ada[1], "unbond", scout[4]).ok();

    assertEquals("revoked", duck.as(ada[1], "cert", "show", scout[3]).ok().field("status"));
    assertEquals("revoked", duck.as(ada[1], "cert", "show", scout[3], "--json").ok().json("status"));
    List<String> lines = duck.as(ada[1], "cert", "list", scout[0]).ok().lines();
    assertEquals(List.of(scout[3] + " " + scout[0] + " T1 revoked"), lines);
    String html = duck.as(ada[1], "cert", "show", scout[3], "--html").ok().out();
    assertTrue(html.contains("<th>Status</th><td>revoked"), html);
  }
}
