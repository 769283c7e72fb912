package io.spaceduck.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spaceduck.api.HatchId;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The pending-hatch codec: format 2 carries the email's blind index; format 1 rows stay readable. */
class PendingHatchCodecTest {
  private static final HatchId ID = new HatchId("ht_" + "b".repeat(26));
  private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

  private static PendingHatch hatch(Optional<String> blind) {
    return new PendingHatch(ID, "Name", Bytes.of(new byte[] {1, 2, 3}), blind, Bytes.of(new byte[] {9, 9}), AT,
        AT.plusSeconds(900), 2, false);
  }

  @Test
  @Tag("D1")
  void formatTwo_roundTrips_withAndWithoutBlindIndex() {
    for (Optional<String> blind : java.util.List.of(Optional.of("ab".repeat(32)), Optional.<String>empty())) {
      byte[] bytes = Codecs.HATCH.encode(hatch(blind));
      assertEquals(2, bytes[0], "written as format 2");
      assertEquals(hatch(blind), Codecs.HATCH.decode(bytes));
    }
  }

  @Test
  void formatOne_isRead_withoutBlindIndex() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(out);
    d.writeByte(1);
    for (String s : new String[] {ID.value(), "Name"}) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      d.writeInt(b.length);
      d.write(b);
    }
    d.writeInt(3);
    d.write(new byte[] {1, 2, 3});
    d.writeInt(2);
    d.write(new byte[] {9, 9});
    for (Instant i : new Instant[] {AT, AT.plusSeconds(900)}) {
      d.writeLong(i.getEpochSecond());
      d.writeInt(i.getNano());
    }
    d.writeInt(2);
    d.writeBoolean(false);
    assertEquals(hatch(Optional.empty()), Codecs.HATCH.decode(out.toByteArray()));
  }

  @Test
  void unknownFormat_isCorruption() {
    byte[] bytes = Codecs.HATCH.encode(hatch(Optional.empty()));
    bytes[0] = 3;
    assertThrows(StorageException.class, () -> Codecs.HATCH.decode(bytes));
  }
}
