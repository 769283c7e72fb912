package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.PendingHatch;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import io.spaceduck.storage.memory.InMemoryStorage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * D1 and H2/H3 for the copies of an email that hatching makes: a pending hatch holds the email
 * encrypted, and that copy must not outlive the hatch — nor a deletion request of the person.
 *
 * <p>Every test ends with a walk over every row the engine ever wrote (each table, by the primary
 * keys recorded on the way in, read back from the store as it is now) and the whole audit chain,
 * searching each encoding for the email in plain text and for every ciphertext of it the engine ever
 * handed the store.
 */
class HatchEmailErasureTest {
  private static final String EMAIL = "erase.me@example.org";

  /** A test engine on an in-memory store that records every value written. */
  private static final class World implements AutoCloseable {
    final WriteRecordingStorage rec = new WriteRecordingStorage(new InMemoryStorage());
    final TestEngine t = new TestEngine(rec.storage(), TestEngine.newKek(), b -> {});

    HatchTicket start(String email) {
      return t.startHatch("Erin", email);
    }

    HatchResult complete(HatchTicket ticket) {
      return t.engine.hatching().complete(ticket.id(), VerificationCode.of(t.codes.get(ticket.id())));
    }

    void wrongCode(HatchTicket ticket) {
      String code = t.codes.get(ticket.id());
      String wrong = (code.charAt(0) == '9' ? "0" : String.valueOf((char) (code.charAt(0) + 1))) + code.substring(1);
      assertThrows(Rejected.class, () -> t.engine.hatching().complete(ticket.id(), VerificationCode.of(wrong)));
    }

    Optional<PendingHatch> hatchRow(HatchId id) {
      return t.storage.get(Tables.HATCHES, id.value()).map(Versioned::value);
    }

    /** Every ciphertext of {@code email} the engine gave the store (hatch rows and contact records). */
    List<Bytes> ciphertextsOf(List<HatchId> hatchesOfEmail, List<String> ducklingsOfEmail) {
      List<Bytes> out = new ArrayList<>();
      for (WriteRecordingStorage.Write w : rec.writes) {
        if (w.value() instanceof PendingHatch h && hatchesOfEmail.contains(h.id())) {
          out.add(h.encryptedEmail());
        }
        if (w.value() instanceof ContactRecord c && ducklingsOfEmail.contains(c.duckling().value())) {
          c.encryptedEmail().ifPresent(out::add);
        }
      }
      return out.stream().distinct().toList();
    }

    /**
     * The rows of the store as it is now (every table, every key ever written) and audit events whose
     * encoding holds {@code email} or one of {@code ciphertexts}; empty when none does.
     */
    List<String> holders(String email, List<Bytes> ciphertexts) {
      Map<String, Object> now = new LinkedHashMap<>();
      for (WriteRecordingStorage.Write w : rec.writes) {
        Table<?> table = w.table();
        String key = keyOf(table, w.value());
        read(table, key).ifPresent(v -> now.put(table.name() + "/" + key, v));
      }
      List<String> found = new ArrayList<>();
      for (Map.Entry<String, Object> e : now.entrySet()) {
        String table = e.getKey().substring(0, e.getKey().indexOf('/'));
        byte[] bytes = encode(Tables.ALL.stream().filter(x -> x.name().equals(table)).findFirst().orElseThrow(), e.getValue());
        if (contains(bytes, email.getBytes(StandardCharsets.UTF_8))
            || ciphertexts.stream().anyMatch(c -> contains(bytes, c.toByteArray()))) {
          found.add(e.getKey());
        }
      }
      for (AuditEvent e : t.storage.auditRange(1, 100_000)) {
        if (e.toString().contains(email) || e.details().values().stream().anyMatch(v -> v.contains(email))) {
          found.add("audit/" + e.seq());
        }
      }
      return found;
    }

    private static <V> String keyOf(Table<V> table, Object value) {
      return table.keyOf(table.cast(value));
    }

    private <V> Optional<V> read(Table<V> table, String key) {
      return t.storage.get(table, key).map(Versioned::value);
    }

    private static <V> byte[] encode(Table<V> table, Object value) {
      return table.codec().encode(table.cast(value));
    }

    private static boolean contains(byte[] hay, byte[] needle) {
      outer:
      for (int i = 0; i + needle.length <= hay.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (hay[i + j] != needle[j]) {
            continue outer;
          }
        }
        return true;
      }
      return false;
    }

    @Override
    public void close() {
      t.close();
    }
  }

  @Test
  @Tag("D1")
  @Tag("H3")
  void afterDeletion_noCopyOfTheEmailRemains_inHatchesConsumedExpiredDeadOrPending() {
    try (World w = new World()) {
      w.t.bootstrap(); // an admin, so the store holds more than the person
      List<HatchId> hatches = new ArrayList<>();
      // died by attempts
      HatchTicket dead = w.start(EMAIL);
      hatches.add(dead.id());
      for (int i = 0; i < 5; i++) {
        w.wrongCode(dead);
      }
      // expired and never touched again
      HatchTicket expired = w.start(EMAIL);
      hatches.add(expired.id());
      w.t.clock.advance(Duration.ofMinutes(16));
      // expired, then touched by a completion attempt
      HatchTicket late = w.start(EMAIL);
      hatches.add(late.id());
      w.t.clock.advance(Duration.ofMinutes(16));
      assertThrows(Rejected.class, () -> w.complete(late));
      // a second pending hatch of the same email, still pending at the deletion
      HatchTicket pending = w.start(EMAIL);
      hatches.add(pending.id());
      // the hatch that creates the duckling (consumed)
      HatchTicket winner = w.start(EMAIL);
      hatches.add(winner.id());
      HatchResult erin = w.complete(winner);
      // a hatch of the email while the duckling lives: refused (H4), consumed by the refusal
      HatchTicket again = w.start(EMAIL);
      hatches.add(again.id());
      assertThrows(Rejected.class, () -> w.complete(again));

      w.t.engine.identities().requestDeletion(erin.key().key(), erin.duckling().id(), ReasonCode.DELETION_REQUEST);

      List<Bytes> ciphertexts = w.ciphertextsOf(hatches, List.of(erin.duckling().id().value()));
      assertEquals(hatches.size() + 1, ciphertexts.size(), "six hatches and the contact were written encrypted");
      assertEquals(List.of(), w.holders(EMAIL, ciphertexts), "D1: rows still holding the email after the deletion");
      for (HatchId h : hatches) {
        assertTrue(w.hatchRow(h).isEmpty(), "D1: hatch " + h + " is gone");
      }
      // and the email is free again (D1), the pending hatch of before the deletion no longer completes
      assertThrows(Rejected.class, () -> w.complete(pending));
      assertEquals("Erin again", w.t.hatch("Erin again", EMAIL).duckling().displayName());
    }
  }

  @Test
  @Tag("D1")
  @Tag("H3")
  void aHatchEndsWithItsEmail_consumed_refusedAsTaken_outOfAttempts_orFoundExpired() {
    try (World w = new World()) {
      HatchTicket consumed = w.start(EMAIL);
      w.complete(consumed);
      assertTrue(w.hatchRow(consumed.id()).isEmpty(), "H3: the completing unit deletes the hatch and its email");

      HatchTicket taken = w.start(EMAIL);
      assertThrows(Rejected.class, () -> w.complete(taken));
      assertTrue(w.hatchRow(taken.id()).isEmpty(), "H4: a refused re-hatch ends the hatch and its email");

      HatchTicket typo = w.start(TestEngine.uniqueEmail());
      for (int i = 0; i < 4; i++) {
        w.wrongCode(typo);
      }
      assertEquals(4, w.hatchRow(typo.id()).orElseThrow().failedAttempts(), "attempts left: the hatch lives");
      w.wrongCode(typo);
      assertTrue(w.hatchRow(typo.id()).isEmpty(), "H3: the last failed attempt ends the hatch and its email");
      assertThrows(Rejected.class, () -> w.complete(typo), "and it stays dead for the right code");

      HatchTicket slow = w.start(TestEngine.uniqueEmail());
      w.t.clock.set(slow.expiresAt());
      assertThrows(Rejected.class, () -> w.complete(slow));
      assertTrue(w.hatchRow(slow.id()).isEmpty(), "H2: a completion attempt at expiry ends the hatch and its email");
    }
  }

  @Test
  @Tag("D1")
  @Tag("H2")
  void sweep_deletesEveryEndedHatch_byTheInjectedClock_andKeepsLiveOnes() {
    try (World w = new World()) {
      String other = TestEngine.uniqueEmail();
      HatchTicket abandoned = w.start(other);
      w.t.clock.advance(Duration.ofMinutes(10));
      HatchTicket live = w.start(other);
      assertEquals(0, w.t.engine.hatching().sweepExpired(), "nothing has ended yet");

      w.t.clock.set(abandoned.expiresAt()); // the instant of expiry: ended (H2)
      assertEquals(1, w.t.engine.hatching().sweepExpired());
      assertTrue(w.hatchRow(abandoned.id()).isEmpty(), "the abandoned hatch is gone with its email");
      assertTrue(w.hatchRow(live.id()).isPresent(), "a live hatch stays");
      assertEquals(List.of(), w.holders(other, w.ciphertextsOf(List.of(abandoned.id()), List.of())));
      assertFalse(w.holders(other, w.ciphertextsOf(List.of(live.id()), List.of())).isEmpty(), "the walk finds a live copy");

      w.complete(live);
      assertEquals(0, w.t.engine.hatching().sweepExpired(), "a completed hatch left nothing to sweep");
    }
  }
}
