package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.ConsistencyProof;
import io.spaceduck.api.InclusionProof;
import io.spaceduck.api.SignedCheckpoint;
import io.spaceduck.core.OfflineAuditVerifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit checkpoint|vkey|prove|consistency|witness}: what they print verifies with {@link
 * OfflineAuditVerifier}; a witness remembers and refuses a rollback; the MapDB store's checkpoint is
 * kept beside it ({@code store.db.checkpoint}).
 */
class AuditTransparencyCommandTest {
  @TempDir Path dir;
  DuckRunner duck;
  String admin;
  String[] ada;

  @BeforeEach
  void setUp() {
    duck = new DuckRunner(dir);
    admin = duck.init();
    ada = duck.operator(admin, "Ada");
  }

  @Test
  void checkpointsProofsAndAWitness() throws Exception {
    String vkey = duck.run("audit", "vkey").ok().out().strip();
    OfflineAuditVerifier v = OfflineAuditVerifier.forVerifierKeys(List.of(vkey));
    String first = duck.as(admin, "audit", "checkpoint").ok().out();
    SignedCheckpoint cp1 = v.verifyCheckpoint(first);
    Path cp1File = duck.write("cp1", first);
    duck.bond(ada[1], "scout", "T1");
    String second = duck.as(admin, "audit", "checkpoint").ok().out();
    SignedCheckpoint cp2 = v.verifyCheckpoint(second);
    Path cp2File = duck.write("cp2", second);
    assertTrue(cp2.checkpoint().size() > cp1.checkpoint().size());
    // the MapDB store keeps its newest checkpoint beside it
    assertEquals(cp2.checkpoint(), SignedCheckpoint.parse(Files.readString(dir.resolve("store.db.checkpoint"))).checkpoint());

    InclusionProof p = InclusionProof.parse(duck.as(admin, "audit", "prove", "2", "--size", "" + cp2.checkpoint().size()).ok().out());
    v.verifyInclusion(cp2, p);
    v.verifyInclusion(cp2, InclusionProof.parse(duck.as(admin, "audit", "prove", "1").ok().out()));

    DuckRunner.Result c = duck.as(admin, "audit", "consistency", "cp1", "cp2").ok();
    assertTrue(c.err().contains("consistent: " + cp1.checkpoint().size() + " -> " + cp2.checkpoint().size()), c.err());
    ConsistencyProof proof = ConsistencyProof.parse(c.out());
    v.verifyConsistency(cp1, cp2, proof);
    assertEquals(c.out(), duck.as(admin, "audit", "consistency", "" + cp1.checkpoint().size(), "" + cp2.checkpoint().size()).ok().out());
    Path proofFile = duck.write("proof", c.out());

    DuckRunner.Result w1 = duck.run("audit", "witness", "--state", "w", "--vkey", vkey, "--name", "witness.example/w", "cp1").ok();
    String witnessKey = w1.err().strip().replace("duck: witness ", "");
    OfflineAuditVerifier.verifyCosignature(w1.out(), witnessKey);
    assertEquals(first.strip(), w1.out().strip().substring(0, first.strip().length()));
    // growth needs the proof; with it, accepted and cosigned
    duck.run("audit", "witness", "--state", "w", "--vkey", vkey, "--name", "witness.example/w", "cp2").fails(ExitCodes.INVALID_INPUT);
    DuckRunner.Result w2 = duck.run("audit", "witness", "--state", "w", "--vkey", vkey, "--name", "witness.example/w", "--proof",
        proofFile.toString(), "cp2").ok();
    OfflineAuditVerifier.verifyCosignature(w2.out(), witnessKey);
    // a rollback to the first checkpoint is refused
    DuckRunner.Result back = duck.run("audit", "witness", "--state", "w", "--vkey", vkey, "--name", "witness.example/w", "cp1")
        .fails(ExitCodes.CONFLICT);
    assertTrue(back.err().contains("older than the checkpoint of size " + cp2.checkpoint().size()), back.err());
    // another log's key is refused
    String otherKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    duck.run("audit", "witness", "--state", "w2", "--vkey", otherKey, cp1File.toString()).fails(ExitCodes.INVALID_INPUT);
    assertTrue(Files.exists(cp2File));
  }

  @Test
  void aCheckpointOfAnotherStoreIsRefusedOnOpen() throws Exception {
    duck.bond(ada[1], "scout", "T1");
    duck.as(admin, "audit", "checkpoint").ok();
    // the kept checkpoint says more events than the store holds: as if its newest events were cut off
    Path kept = dir.resolve("store.db.checkpoint");
    SignedCheckpoint cp = SignedCheckpoint.parse(Files.readString(kept));
    assertTrue(cp.checkpoint().size() >= 4, cp.toString());
    Files.writeString(dir.resolve("other.checkpoint"), Files.readString(kept));
    Path fresh = dir.resolve("fresh");
    Files.createDirectories(fresh);
    DuckRunner other = new DuckRunner(fresh);
    other.init();
    // the fresh store with the first store's checkpoint: another origin
    Files.copy(kept, fresh.resolve("store.db.checkpoint"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    DuckRunner.Result r = other.run("audit", "vkey").fails(ExitCodes.UNAVAILABLE);
    assertTrue(r.err().contains("is of another log"), r.err());
  }
}
