package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The I8 check of the engine contract finds a secret the engine hands a store, and only then. */
class RecordingStorageTest {
  private static final String KEY = "bk_aaaaaaaaaaaaaaaa_" + "b".repeat(52);

  private static RecordingStorage storeWith(String... values) {
    RecordingStorage s = new RecordingStorage(new InMemoryStorage());
    s.execute(tx -> {
      for (int i = 0; i < values.length; i++) {
        tx.insert(Tables.META, new MetaRecord("m" + i, values[i]));
      }
      return null;
    });
    return s;
  }

  @Test
  @Tag("I8")
  void aSecretInAWrittenValue_isFound() {
    try (RecordingStorage s = storeWith("note: " + KEY, "code|482913|")) {
      assertEquals(List.of("code", "key"), s.leaks(Map.of("key", KEY, "code", "482913"), 0).stream().sorted().toList());
      assertEquals(List.of(), s.leaks(Map.of("key", KEY), s.transcriptLength()), "nothing written since");
    }
  }

  @Test
  @Tag("I8")
  void aCodeInsideHex_isChanceNotALeak() {
    try (RecordingStorage s = storeWith("9f3a482913c0de", "the code 4829130 is another")) {
      assertEquals(List.of(), s.leaks(Map.of("code", "482913"), 0));
    }
  }

  @Test
  @Tag("I8")
  void anUnwrittenSecret_isNotFound() {
    try (RecordingStorage s = storeWith("something else entirely")) {
      assertEquals(List.of(), s.leaks(Map.of("key", KEY, "code", "482913", "email", "duck1@example.org"), 0));
    }
  }
}
