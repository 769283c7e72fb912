package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import com.google.crypto.tink.subtle.Ed25519Sign;
import io.spaceduck.api.AuditTree;
import io.spaceduck.api.Checkpoint;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.ConsistencyProof;
import io.spaceduck.api.Hash;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.SignedNote;
import io.spaceduck.core.internal.NoteCrypto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Fuzz target (docs/fuzzing.md): {@link OfflineAuditVerifier} and its {@link OfflineAuditVerifier.Witness}
 * on arbitrary checkpoint notes and proof texts, in sequences. The log's key signs the checkpoints of two
 * histories of eight events that share their first four: the genuine one ({@code $A1} … {@code $A8}) and
 * a fork ({@code $F5} … {@code $F8}; {@code $F1}–{@code $F4} are the same as {@code $A1}–{@code $A4}) — a
 * log that shows different histories to different parties. {@code $PAm-n} and {@code $PFm-n} stand for
 * the consistency proofs of each history. An input is a list of steps separated by lines {@code =====},
 * each a note and optionally, after a line {@code -----}, a proof.
 *
 * <p>The contract, checked against a model of the two histories: a step is refused only with {@link
 * InvalidInput} or {@link Conflict}; a checkpoint the witness cosigns is one the log signed, never
 * smaller than one it cosigned before, and consistent with every checkpoint it cosigned before — so once
 * it cosigned a checkpoint of one history past the fork, it never cosigns the other; the cosignature it
 * returns verifies with its verifier key and carries the clock's time.
 */
class WitnessFuzzTest {
  private static final String ORIGIN = "fuzz.example/log";
  private static final String NAME = "fuzz.example/log-key";
  private static final int SIZE = 8;
  private static final int SHARED = 4;
  private static final Instant NOW = Instant.parse("2026-12-07T00:00:00Z");

  private record History(char label, List<Hash> events) {
    Hash root(long size) {
      return AuditTree.root(size, this::subtree);
    }

    Hash subtree(int level, long index) {
      if (level == 0) {
        return AuditTree.leafHash(events.get((int) index));
      }
      return AuditTree.nodeHash(subtree(level - 1, 2 * index), subtree(level - 1, 2 * index + 1));
    }

    String proof(long m, long n) {
      return new ConsistencyProof(m, n, AuditTree.consistencyPath(m, n, this::subtree)).format();
    }
  }

  private static final class Fixture {
    final History genuine = history('A', (byte) 1);
    final History fork = history('F', (byte) 2);
    final String vkey;
    final byte[] seed;
    final byte[] witnessSeed = new byte[32];
    final OfflineAuditVerifier verifier;
    final List<String> notes = new ArrayList<>(); // index (history 0|1) * SIZE + size - 1

    Fixture() {
      try {
        Ed25519Sign.KeyPair pair = Ed25519Sign.KeyPair.newKeyPair();
        seed = pair.getPrivateKey();
        vkey = NoteCrypto.verifierKey(NAME, NoteCrypto.ED25519, pair.getPublicKey()).format();
        verifier = OfflineAuditVerifier.forVerifierKeys(List.of(vkey));
        int keyId = NoteCrypto.keyId(NAME, NoteCrypto.ED25519, pair.getPublicKey());
        Ed25519Sign signer = new Ed25519Sign(seed);
        for (History h : List.of(genuine, fork)) {
          for (int n = 1; n <= SIZE; n++) {
            String body = new Checkpoint(ORIGIN, n, h.root(n)).body();
            byte[] sig = signer.sign(body.getBytes(StandardCharsets.UTF_8));
            notes.add(new SignedNote(body, List.of(new SignedNote.Signature(NAME, keyId, sig))).format());
          }
        }
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
      witnessSeed[0] = 7;
    }

    private History history(char label, byte tag) {
      List<Hash> events = new ArrayList<>();
      for (int i = 0; i < SIZE; i++) {
        byte[] b = new byte[Hash.LENGTH];
        b[0] = (byte) (i + 1);
        b[1] = i < SHARED ? 0 : tag;
        events.add(Hash.of(b));
      }
      return new History(label, List.copyOf(events));
    }

    String expand(String text) {
      // longest placeholders first: $PA1-8 before $A1
      for (History h : List.of(genuine, fork)) {
        for (int m = 0; m <= SIZE; m++) {
          for (int n = m; n <= SIZE; n++) {
            text = text.replace("$P" + h.label() + m + "-" + n, h.proof(m, n));
          }
        }
      }
      for (int i = 0; i < 2; i++) {
        for (int n = 1; n <= SIZE; n++) {
          text = text.replace("$" + (i == 0 ? 'A' : 'F') + n, notes.get(i * SIZE + n - 1));
        }
      }
      return text;
    }

    /** The history (0 genuine, 1 fork) and size of a checkpoint the log signed, by its body. */
    int[] signed(Checkpoint cp) {
      for (int i = 0; i < notes.size(); i++) {
        if (notes.get(i).startsWith(cp.body() + "\n")) {
          return new int[] {i / SIZE, i % SIZE + 1};
        }
      }
      throw new AssertionError("the witness cosigned a checkpoint the log never signed: " + cp);
    }
  }

  /** Built on the first input (the fuzzer's JVM builds it once). */
  private static final Supplier<Fixture> FIXTURE = Suppliers.memoize(Fixture::new);

  @FuzzTest
  void witnessCosignsOnlyOneConsistentHistory(byte[] data) throws IOException {
    Fixture f = FIXTURE.get();
    String input = f.expand(new String(data, StandardCharsets.UTF_8));
    Path shm = Path.of("/dev/shm"); // the witness fsyncs its state: on tmpfs that costs nothing
    Path dir = Files.isDirectory(shm) && Files.isWritable(shm)
        ? Files.createTempDirectory(shm, "witness-fuzz")
        : Files.createTempDirectory("witness-fuzz");
    try {
      Files.writeString(dir.resolve("witness.key"), Base64.getEncoder().encodeToString(f.witnessSeed) + "\n");
      OfflineAuditVerifier.Witness witness = f.verifier.witness(dir, "witness.example/w1", Clock.fixed(NOW, ZoneOffset.UTC));
      List<int[]> cosigned = new ArrayList<>();
      int steps = 0;
      for (String step : input.split("\n=====\n", -1)) {
        if (++steps > 12) {
          break;
        }
        int cut = step.indexOf("\n-----\n");
        String note = cut < 0 ? step : step.substring(0, cut + 1);
        Optional<ConsistencyProof> proof = Optional.empty();
        if (cut >= 0) {
          try {
            proof = Optional.of(ConsistencyProof.parse(step.substring(cut + 7)));
          } catch (IllegalArgumentException e) {
            continue; // the proof text is ProofTextFuzzTest's subject
          }
        }
        SignedNote out;
        try {
          out = witness.cosign(note, proof);
        } catch (InvalidInput | Conflict refused) {
          continue;
        }
        Checkpoint cp = f.verifier.verifyCheckpoint(out.format()).checkpoint();
        int[] now = f.signed(cp);
        for (int[] before : cosigned) {
          assertTrue(now[1] >= before[1], "cosigned a smaller tree after a larger one");
          boolean consistent = now[0] == before[0] || before[1] <= SHARED;
          assertTrue(consistent, "cosigned a checkpoint of the other history after one past the fork");
        }
        cosigned.add(now);
        assertEquals(NOW.getEpochSecond(), OfflineAuditVerifier.verifyCosignature(out.format(), witness.verifierKey()));
        assertEquals(cp, witness.accepted(ORIGIN).orElseThrow().checkpoint());
      }
    } finally {
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
