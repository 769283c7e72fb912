package io.spaceduck.core;

import com.google.crypto.tink.subtle.Ed25519Sign;
import io.spaceduck.api.Checkpoint;
import io.spaceduck.api.Conflict;
import io.spaceduck.api.ConsistencyProof;
import io.spaceduck.api.InclusionProof;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.SignedCheckpoint;
import io.spaceduck.api.SignedNote;
import io.spaceduck.core.internal.NoteCrypto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks the engine's audit checkpoints and proofs with nothing but the log's verifier keys — no store,
 * no engine: what an auditor or a witness does ({@code docs/transparency.md}). Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * OfflineAuditVerifier v = OfflineAuditVerifier.forVerifierKeys(List.of(vkey));
 * SignedCheckpoint cp = v.verifyCheckpoint(noteText);
 * v.verifyInclusion(cp, proof);               // an event is in the log
 * v.verifyConsistency(older, cp, proof);       // the log only grew
 * }</pre>
 *
 * <h2>Security guarantees</h2>
 *
 * A checkpoint is accepted only when a signature line names one of the given keys (name and key ID)
 * and every line that does verifies (C2SP signed-note). Proofs are checked with RFC 9162's own
 * algorithms ({@link io.spaceduck.api.AuditTree}). A {@link Witness} cosigns a checkpoint only if it is
 * consistent with every checkpoint of the same origin it accepted before.
 */
public final class OfflineAuditVerifier {
  private final List<NoteCrypto.VerifierKey> keys;

  private OfflineAuditVerifier(List<NoteCrypto.VerifierKey> keys) {
    this.keys = keys;
  }

  /**
   * @param vkeys the log's verifier keys ({@code audit().verifierKeys()}, {@code duck audit checkpoint
   *     --vkey}): any of them may sign
   * @throws IllegalArgumentException if none is given or one is not an Ed25519 (type 0x01) vkey
   */
  public static OfflineAuditVerifier forVerifierKeys(List<String> vkeys) {
    List<NoteCrypto.VerifierKey> parsed = new ArrayList<>();
    for (String v : vkeys) {
      NoteCrypto.VerifierKey k = NoteCrypto.parseVerifierKey(v);
      if (k.type() != NoteCrypto.ED25519) {
        throw new IllegalArgumentException("a log's verifier key has signature type 0x01 (Ed25519)");
      }
      parsed.add(k);
    }
    if (parsed.isEmpty()) {
      throw new IllegalArgumentException("at least one verifier key");
    }
    return new OfflineAuditVerifier(List.copyOf(parsed));
  }

  /**
   * Parses a signed checkpoint and checks its signature.
   *
   * @throws InvalidInput if it is malformed or not signed by one of the keys
   */
  public SignedCheckpoint verifyCheckpoint(String note) {
    Objects.requireNonNull(note, "note");
    SignedCheckpoint cp;
    try {
      cp = SignedCheckpoint.parse(note);
    } catch (IllegalArgumentException e) {
      throw new InvalidInput("checkpoint", "not a signed checkpoint (" + e.getMessage() + ")");
    }
    for (NoteCrypto.VerifierKey k : keys) {
      if (NoteCrypto.verifyNote(cp.note(), k)) {
        return cp;
      }
    }
    throw new InvalidInput("checkpoint", "not signed by a trusted key of this log");
  }

  /**
   * Checks that {@code proof} puts its event in the tree of {@code checkpoint} (a verified one).
   *
   * @throws InvalidInput if the proof is for another tree size or does not verify
   */
  public void verifyInclusion(SignedCheckpoint checkpoint, InclusionProof proof) {
    Checkpoint cp = checkpoint.checkpoint();
    if (proof.treeSize() != cp.size()) {
      throw new InvalidInput("proof", "is for a tree of " + proof.treeSize() + " events, the checkpoint has " + cp.size());
    }
    if (!proof.verify(cp.root())) {
      throw new InvalidInput("proof", "does not prove the event at seq " + proof.seq() + " is in the checkpoint's tree");
    }
  }

  /**
   * Checks that {@code newer} extends {@code older} (both verified, same origin) by {@code proof}.
   *
   * @throws InvalidInput if the origins differ, the proof is for other sizes, or it does not verify
   */
  public void verifyConsistency(SignedCheckpoint older, SignedCheckpoint newer, ConsistencyProof proof) {
    Checkpoint a = older.checkpoint();
    Checkpoint b = newer.checkpoint();
    if (!a.origin().equals(b.origin())) {
      throw new InvalidInput("checkpoint", "the two checkpoints are of different logs");
    }
    if (proof.oldSize() != a.size() || proof.newSize() != b.size()) {
      throw new InvalidInput("proof", "is from " + proof.oldSize() + " to " + proof.newSize() + " events, the checkpoints have "
          + a.size() + " and " + b.size());
    }
    if (!proof.verify(a.root(), b.root())) {
      throw new InvalidInput("proof", "the tree of " + b.size() + " events does not extend the tree of " + a.size()
          + " (a rewritten or forked log)");
    }
  }

  /**
   * A witness keeping its state in {@code stateDir}: its Ed25519 key ({@code witness.key}, made on
   * first use, readable by the owner only) and, per origin, the newest checkpoint it accepted.
   *
   * @param name the witness's key name (a schema-less URL is recommended)
   */
  public Witness witness(Path stateDir, String name, Clock clock) {
    return new Witness(this, stateDir, name, clock);
  }

  /**
   * A C2SP witness: accepts a checkpoint of the log only if it is consistent with the newest one it
   * accepted before of the same origin, remembers it, and cosigns it ({@code tlog-cosignature},
   * Ed25519, timestamped). Trust on first use: the first checkpoint of an origin is accepted as is.
   * Thread-safe within one process; a file lock serializes processes sharing {@code stateDir}.
   *
   * <h2>Security guarantees</h2>
   *
   * The witness key is stored unencrypted in {@code stateDir/witness.key} (owner read/write only on
   * POSIX file systems), like an SSH host key: protect the directory.
   */
  public static final class Witness {
    private final OfflineAuditVerifier log;
    private final Path dir;
    private final String name;
    private final Clock clock;
    private final byte[] publicKey;
    private final Ed25519Sign signer;

    private Witness(OfflineAuditVerifier log, Path dir, String name, Clock clock) {
      SignedNote.checkName(name);
      this.log = log;
      this.dir = Objects.requireNonNull(dir, "stateDir");
      this.name = name;
      this.clock = Objects.requireNonNull(clock, "clock");
      try {
        Files.createDirectories(dir);
        Path keyFile = dir.resolve("witness.key");
        byte[] seed;
        if (Files.exists(keyFile)) {
          seed = Base64.getDecoder().decode(Files.readString(keyFile, StandardCharsets.US_ASCII).strip());
        } else {
          seed = Ed25519Sign.KeyPair.newKeyPair().getPrivateKey();
          writeAtomically(keyFile, Base64.getEncoder().encodeToString(seed) + "\n", true);
        }
        Ed25519Sign.KeyPair pair = Ed25519Sign.KeyPair.newKeyPairFromSeed(seed);
        this.publicKey = pair.getPublicKey();
        this.signer = new Ed25519Sign(seed);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open the witness state in " + dir, e);
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw new IllegalStateException("the witness key in " + dir + " is unusable", e);
      }
    }

    /** This witness's verifier key (signature type 0x04, tlog-cosignature). */
    public String verifierKey() {
      return NoteCrypto.verifierKey(name, NoteCrypto.COSIGNATURE_V1, publicKey).format();
    }

    /** The newest checkpoint accepted for {@code origin}. */
    public synchronized Optional<SignedCheckpoint> accepted(String origin) {
      Path f = stateFile(origin);
      if (!Files.exists(f)) {
        return Optional.empty();
      }
      try {
        return Optional.of(log.verifyCheckpoint(Files.readString(f, StandardCharsets.UTF_8)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + f, e);
      }
    }

    /**
     * Verifies {@code note}, checks it against the newest checkpoint accepted for its origin (with
     * {@code proof} from that size to the new one when the log grew), remembers it and returns it with
     * this witness's cosignature appended.
     *
     * @throws InvalidInput if the note is not a checkpoint signed by the log's key, or the proof is
     *     missing or malformed
     * @throws Conflict if it is not consistent with what this witness accepted before: a smaller tree,
     *     another root at the same size, or a proof that fails (a fork or a rewritten log)
     */
    public synchronized SignedNote cosign(String note, Optional<ConsistencyProof> proof) {
      SignedCheckpoint cp = log.verifyCheckpoint(note);
      Checkpoint now = cp.checkpoint();
      try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = lockFile.lock()) {
        Optional<SignedCheckpoint> before = accepted(now.origin());
        if (before.isPresent()) {
          Checkpoint old = before.get().checkpoint();
          if (now.size() < old.size()) {
            throw new Conflict("checkpoint of size " + now.size() + " is older than the checkpoint of size " + old.size()
                + " this witness accepted for " + now.origin() + " (a rolled-back log)");
          }
          if (now.size() == old.size()) {
            if (!now.root().equals(old.root())) {
              throw new Conflict("checkpoint of size " + now.size() + " has another root than the one this witness accepted"
                  + " at that size for " + now.origin() + " (a fork)");
            }
          } else {
            ConsistencyProof p = proof.orElseThrow(() -> new InvalidInput("proof",
                "a consistency proof from size " + old.size() + " to " + now.size() + " is needed"));
            try {
              log.verifyConsistency(before.get(), cp, p);
            } catch (InvalidInput e) {
              if (p.oldSize() != old.size() || p.newSize() != now.size()) {
                throw e;
              }
              throw new Conflict("checkpoint of size " + now.size() + " is not consistent with the checkpoint of size "
                  + old.size() + " this witness accepted for " + now.origin() + " (a fork or a rewritten log)");
            }
          }
        }
        writeAtomically(stateFile(now.origin()), cp.note().format(), false);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot update the witness state in " + dir, e);
      }
      long ts = clock.instant().getEpochSecond();
      byte[] sig;
      try {
        sig = signer.sign(NoteCrypto.cosignedMessage(now.body(), ts));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot cosign", e);
      }
      byte[] timestamped = ByteBuffer.allocate(72).putLong(ts).put(sig).array();
      int keyId = NoteCrypto.keyId(name, NoteCrypto.COSIGNATURE_V1, publicKey);
      return cp.note().with(new SignedNote.Signature(name, keyId, timestamped));
    }

    private Path stateFile(String origin) {
      try {
        byte[] h = MessageDigest.getInstance("SHA-256").digest(origin.getBytes(StandardCharsets.UTF_8));
        return dir.resolve("checkpoint-" + HexFormat.of().formatHex(h, 0, 16));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /**
   * The POSIX timestamp of a valid cosignature of {@code note} by the witness with verifier key
   * {@code witnessVkey} (type 0x04).
   *
   * @throws InvalidInput if the note carries no valid cosignature by that witness
   */
  public static long verifyCosignature(String note, String witnessVkey) {
    NoteCrypto.VerifierKey k = NoteCrypto.parseVerifierKey(witnessVkey);
    SignedNote n;
    try {
      n = SignedNote.parse(note);
    } catch (IllegalArgumentException e) {
      throw new InvalidInput("note", "not a signed note (" + e.getMessage() + ")");
    }
    long ts = NoteCrypto.verifyCosignature(n, k);
    if (ts < 0) {
      throw new InvalidInput("note", "no valid cosignature by this witness");
    }
    return ts;
  }

  private static void writeAtomically(Path file, String text, boolean secret) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    if (secret && file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
      ch.force(true);
    }
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
