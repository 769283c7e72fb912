package io.spaceduck.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.Hash;
import io.spaceduck.api.ReasonCode;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Keeps the worked example of docs/audit-format.md true, byte for byte. */
class AuditFormatExampleTest {
  private static final String DOC_ENCODING =
      "53444131 0000000000000001 0000000000000000000000000000000000000000000000000000000000000000"
          + "0000000b 6b65792e7265766f6b6564"
          + "0000001d 646b5f6161616161616161616161616161616161616161616161616161"
          + "00000010 62626262626262626262626262626262"
          + "01 0000001d 646b5f6161616161616161616161616161616161616161616161616161"
          + "000001a202b2c57b"
          + "00000005 302e312e30"
          + "0000000b 636f6d70726f6d69736564"
          + "00000007 73756363657373"
          + "00000001 00000005 6f776e6572 0000001d 61675f6363636363636363636363636363636363636363636363636363";
  private static final String DOC_HASH = "efc59e796057d0c5cfae89901873c03c881c21bf8d2f49c9884dceea5a447224";

  @Test
  @Tag("A1")
  void workedExampleMatchesTheDocumentedBytesAndHash() throws Exception {
    AuditDraft d =
        AuditDraft.of(
            "key.revoked",
            "dk_aaaaaaaaaaaaaaaaaaaaaaaaaa",
            "bbbbbbbbbbbbbbbb",
            Optional.of("dk_aaaaaaaaaaaaaaaaaaaaaaaaaa"),
            Instant.parse("2026-11-22T10:00:00.123Z"),
            "0.1.0",
            ReasonCode.COMPROMISED,
            AuditOutcome.SUCCESS,
            Map.of("owner", "ag_cccccccccccccccccccccccccc"));
    AuditEvent e = AuditChain.link(d, 1, Hash.ZERO);
    byte[] documented = HexFormat.of().parseHex(DOC_ENCODING.replace(" ", ""));
    assertEquals(HexFormat.of().formatHex(documented), HexFormat.of().formatHex(AuditChain.canonicalBytes(e)));
    assertEquals(DOC_HASH, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(documented)));
    assertEquals(DOC_HASH, e.hash().hex());
    assertEquals(e.hash(), AuditChain.computeHash(e));
  }
}
