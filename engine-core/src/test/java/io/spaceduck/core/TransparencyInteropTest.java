package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditTree;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.ConsistencyProof;
import io.spaceduck.api.Hash;
import io.spaceduck.api.InclusionProof;
import io.spaceduck.api.SignedCheckpoint;
import io.spaceduck.api.SignedNote;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's checkpoints, proofs and cosignatures checked by an independent implementation: {@code
 * src/test/resources/transparency/verify.py}, written from RFC 9162 and the C2SP specs with Python's
 * {@code hashlib} and the {@code cryptography} package. The Python side recomputes every root from the
 * events, verifies every proof with its own code of the RFC's algorithms, and every note's Ed25519
 * signature and key ID; both sides must reach the same verdict on valid and altered inputs.
 *
 * <p>Needs {@code python3} with {@code cryptography} ({@code SPACEDUCK_TEST_PYTHON} names another
 * interpreter); skipped with a message when missing, failed instead when {@code
 * SPACEDUCK_TEST_REQUIRE_PYTHON=true} (CI).
 */
class TransparencyInteropTest {
  private static final String PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  private static final String PETER_NOTE =
      "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u2014 PeterNeumann "
          + "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

  @TempDir Path tmp;

  private static String python() {
    String configured = System.getenv("SPACEDUCK_TEST_PYTHON");
    String python = configured == null || configured.isBlank() ? "python3" : configured;
    boolean required = "true".equalsIgnoreCase(System.getenv("SPACEDUCK_TEST_REQUIRE_PYTHON"));
    String problem;
    try {
      Process p = new ProcessBuilder(python, "-c", "import cryptography.hazmat.primitives.asymmetric.ed25519").redirectErrorStream(true).start();
      if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return python;
      }
      p.destroyForcibly();
      problem = python + " has no usable 'cryptography' package (pip install cryptography, or apt-get install python3-cryptography)";
    } catch (IOException e) {
      problem = "no " + python + " (set SPACEDUCK_TEST_PYTHON to a Python 3 with the 'cryptography' package)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      problem = "interrupted";
    }
    if (required) {
      fail("SPACEDUCK_TEST_REQUIRE_PYTHON=true but " + problem);
    }
    Assumptions.abort("skipped: " + problem + "; SPACEDUCK_TEST_PYTHON / SPACEDUCK_TEST_REQUIRE_PYTHON");
    return python;
  }

  private static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private static String b64(Hash h) {
    return q(Base64.getEncoder().encodeToString(h.toByteArray()));
  }

  private static String list(List<Hash> hashes) {
    List<String> out = new ArrayList<>();
    for (Hash h : hashes) {
      out.add(b64(h));
    }
    return "[" + String.join(",", out) + "]";
  }

  private static Hash flip(Hash h, int bit) {
    byte[] b = h.toByteArray();
    b[bit / 8 % 32] ^= (byte) (1 << (bit % 8));
    return Hash.of(b);
  }

  @Test
  void anIndependentPythonVerifierAgreesOnEveryRootProofAndSignature() throws Exception {
    String python = python();
    Clock witnessClock = Clock.fixed(Instant.parse("2026-12-07T00:00:00Z"), ZoneOffset.UTC);
    try (TestEngine t = new TestEngine(b -> b.checkpointOrigin("audit.example.org/interop"))) {
      Cast cast = Cast.hatch(t);
      BeakKey admin = cast.admin().key().key();
      List<SignedCheckpoint> checkpoints = new ArrayList<>();
      checkpoints.add(t.engine.audit().checkpoint(admin));
      for (int i = 0; i < 34; i++) {
        t.hatch("d" + i);
        if (i % 7 == 3) {
          checkpoints.add(t.engine.audit().checkpoint(admin));
        }
      }
      checkpoints.add(t.engine.audit().checkpoint(admin));
      long n = t.storage.auditHead().orElseThrow().seq();
      List<AuditEvent> events = t.storage.auditRange(1, (int) n);
      List<String> vkeys = t.engine.audit().verifierKeys();
      OfflineAuditVerifier v = OfflineAuditVerifier.forVerifierKeys(vkeys);

      StringBuilder json = new StringBuilder("{\"events\":[");
      for (int i = 0; i < events.size(); i++) {
        json.append(i == 0 ? "" : ",").append(b64(events.get(i).hash()));
      }
      json.append("],\"roots\":{");
      List<String> roots = new ArrayList<>();
      for (SignedCheckpoint cp : checkpoints) {
        roots.add(q(Long.toString(cp.checkpoint().size())) + ":" + b64(cp.checkpoint().root()));
      }
      json.append(String.join(",", roots)).append("},\"inclusion\":[");
      List<String> inc = new ArrayList<>();
      int expected = roots.size();
      for (SignedCheckpoint cp : checkpoints) {
        long size = cp.checkpoint().size();
        for (long seq = 1; seq <= size; seq++) {
          InclusionProof p = t.engine.audit().inclusionProof(admin, seq, size);
          assertTrue(p.verify(cp.checkpoint().root()));
          inc.add("{\"index\":" + (seq - 1) + ",\"size\":" + size + ",\"event\":" + b64(p.eventHash()) + ",\"path\":" + list(p.path())
              + ",\"expect\":true}");
          if (!p.path().isEmpty()) {
            List<Hash> bad = new ArrayList<>(p.path());
            int i = (int) (seq % bad.size());
            bad.set(i, flip(bad.get(i), (int) seq * 13));
            assertTrue(!new InclusionProof(seq, size, p.eventHash(), bad).verify(cp.checkpoint().root()));
            inc.add("{\"index\":" + (seq - 1) + ",\"size\":" + size + ",\"event\":" + b64(p.eventHash()) + ",\"path\":" + list(bad)
                + ",\"expect\":false}");
          }
          InclusionProof other = new InclusionProof(seq, size, flip(p.eventHash(), 7), p.path());
          assertTrue(!other.verify(cp.checkpoint().root()));
          inc.add("{\"index\":" + (seq - 1) + ",\"size\":" + size + ",\"event\":" + b64(other.eventHash()) + ",\"path\":"
              + list(p.path()) + ",\"expect\":false}");
        }
      }
      expected += inc.size();
      json.append(String.join(",", inc)).append("],\"consistency\":[");
      List<String> con = new ArrayList<>();
      for (SignedCheckpoint a : checkpoints) {
        for (SignedCheckpoint b : checkpoints) {
          long m = a.checkpoint().size();
          long k = b.checkpoint().size();
          if (m > k) {
            continue;
          }
          ConsistencyProof p = t.engine.audit().consistencyProof(admin, m, k);
          v.verifyConsistency(a, b, p);
          con.add("{\"m\":" + m + ",\"n\":" + k + ",\"old_root\":" + b64(a.checkpoint().root()) + ",\"new_root\":"
              + b64(b.checkpoint().root()) + ",\"path\":" + list(p.path()) + ",\"expect\":true}");
          for (int i = 0; i < p.path().size(); i++) {
            List<Hash> bad = new ArrayList<>(p.path());
            bad.set(i, flip(bad.get(i), i * 31 + 5));
            assertTrue(!new ConsistencyProof(m, k, bad).verify(a.checkpoint().root(), b.checkpoint().root()));
            con.add("{\"m\":" + m + ",\"n\":" + k + ",\"old_root\":" + b64(a.checkpoint().root()) + ",\"new_root\":"
                + b64(b.checkpoint().root()) + ",\"path\":" + list(bad) + ",\"expect\":false}");
          }
          if (m < k) {
            assertTrue(!p.verify(flip(a.checkpoint().root(), 3), b.checkpoint().root()));
            con.add("{\"m\":" + m + ",\"n\":" + k + ",\"old_root\":" + b64(flip(a.checkpoint().root(), 3)) + ",\"new_root\":"
                + b64(b.checkpoint().root()) + ",\"path\":" + list(p.path()) + ",\"expect\":false}");
          }
        }
      }
      expected += con.size();
      json.append(String.join(",", con)).append("],\"notes\":[");
      List<String> notes = new ArrayList<>();
      for (SignedCheckpoint cp : checkpoints) {
        notes.add("{\"note\":" + q(cp.note().format()) + ",\"vkey\":" + q(vkeys.get(0)) + ",\"expect\":true,\"origin\":"
            + q(cp.checkpoint().origin()) + ",\"size\":" + cp.checkpoint().size() + "}");
        expected += 2;
      }
      String changed = checkpoints.get(1).note().format().replaceFirst("\n" + checkpoints.get(1).checkpoint().size() + "\n",
          "\n" + (checkpoints.get(1).checkpoint().size() + 1) + "\n");
      notes.add("{\"note\":" + q(changed) + ",\"vkey\":" + q(vkeys.get(0)) + ",\"expect\":false}");
      notes.add("{\"note\":" + q(PETER_NOTE) + ",\"vkey\":" + q(PETER_VKEY) + ",\"expect\":true}");
      notes.add("{\"note\":" + q(PETER_NOTE) + ",\"vkey\":" + q(vkeys.get(0)) + ",\"expect\":false}");
      expected += 3;
      OfflineAuditVerifier.Witness w = v.witness(tmp.resolve("w"), "witness.example.org/interop", witnessClock);
      SignedNote cosigned = null;
      for (SignedCheckpoint cp : checkpoints) {
        Optional<ConsistencyProof> proof = w.accepted(cp.checkpoint().origin())
            .map(prev -> t.engine.audit().consistencyProof(admin, prev.checkpoint().size(), cp.checkpoint().size()));
        cosigned = w.cosign(cp.note().format(), proof);
      }
      notes.add("{\"note\":" + q(cosigned.format()) + ",\"vkey\":" + q(w.verifierKey()) + ",\"expect\":true,\"timestamp\":"
          + witnessClock.instant().getEpochSecond() + "}");
      notes.add("{\"note\":" + q(cosigned.format()) + ",\"vkey\":" + q(vkeys.get(0)) + ",\"expect\":true}");
      expected += 3;
      json.append(String.join(",", notes)).append("]}");

      Path script = tmp.resolve("verify.py");
      try (InputStream in = getClass().getResourceAsStream("/transparency/verify.py")) {
        Files.write(script, in.readAllBytes());
      }
      Process p = new ProcessBuilder(python, script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      p.getOutputStream().write(json.toString().getBytes(StandardCharsets.UTF_8));
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(300, TimeUnit.SECONDS), "verify.py did not finish");
      assertEquals(0, p.exitValue(), out);
      Matcher m = Pattern.compile("\"checks\": (\\d+), \"wrong\": \\[(.*)]").matcher(out);
      assertTrue(m.find(), out);
      assertEquals("", m.group(2), "the Python verifier disagrees: " + m.group(2));
      assertEquals(expected, Integer.parseInt(m.group(1)), out);
      assertTrue(expected > 500, "checked only " + expected);
      assertEquals(AuditTree.root(n, (level, index) -> t.storage.auditSubtree(level, index).orElseThrow()),
          checkpoints.get(checkpoints.size() - 1).checkpoint().root());
    }
  }
}
