package io.spaceduck.core.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.subtle.Ed25519Sign;
import io.spaceduck.api.SignedNote;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * {@link NoteCrypto} against published vectors: the signed note and keys of Go's {@code
 * golang.org/x/mod/sumdb/note} documentation and tests (Ed25519 is deterministic, so signing its text
 * with its private key must give its signature byte for byte), and the verifier keys of
 * transparency-dev/formats' cosignature tests (a type 0x01 key whose base64 holds a '+', a type 0x04
 * key) whose key IDs must come out as published.
 */
class NoteCryptoTest {
  static final String PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
  static final String PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
  static final String PETER_TEXT =
      "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
  static final String PETER_NOTE = PETER_TEXT + "\n\u2014 PeterNeumann "
      + "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

  @Test
  void theGoSumdbNoteExampleVerifiesAndIsReproducedByteForByte() throws Exception {
    NoteCrypto.VerifierKey k = NoteCrypto.parseVerifierKey(PETER_VKEY);
    assertEquals(0xc74f20a3, k.keyId());
    assertEquals(PETER_VKEY, k.format());
    SignedNote note = SignedNote.parse(PETER_NOTE);
    assertEquals(PETER_TEXT, note.text());
    assertTrue(NoteCrypto.verifyNote(note, k));
    assertEquals(PETER_NOTE, note.format());

    byte[] typedSeed = Base64.getDecoder().decode(PETER_SKEY.split("\\+", 5)[4]);
    assertEquals(NoteCrypto.ED25519, typedSeed[0]);
    byte[] seed = Arrays.copyOfRange(typedSeed, 1, 33);
    assertArrayEquals(k.publicKey(), Ed25519Sign.KeyPair.newKeyPairFromSeed(seed).getPublicKey());
    byte[] sig = new Ed25519Sign(seed).sign(PETER_TEXT.getBytes(StandardCharsets.UTF_8));
    SignedNote ours = new SignedNote(PETER_TEXT, java.util.List.of(new SignedNote.Signature("PeterNeumann", k.keyId(), sig)));
    assertEquals(PETER_NOTE, ours.format());

    assertFalse(NoteCrypto.verifyNote(SignedNote.parse(PETER_NOTE.replace("cryptography", "cryptographY")), k));
    // a signature line with the right name but another key ID is ignored: no known signature, rejected
    assertFalse(NoteCrypto.verifyNote(SignedNote.parse(PETER_NOTE.replace("x08go", "x08gp")), k));
  }

  @Test
  void publishedVerifierKeysParseWithTheirKeyIds() {
    NoteCrypto.VerifierKey plus = NoteCrypto.parseVerifierKey("TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6");
    assertEquals(NoteCrypto.ED25519, plus.type());
    NoteCrypto.VerifierKey cosig = NoteCrypto.parseVerifierKey("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2");
    assertEquals(NoteCrypto.COSIGNATURE_V1, cosig.type());
    assertEquals(0xda77ade7, cosig.keyId());
    // a wrong key ID, name or length is refused
    assertThrows(IllegalArgumentException.class, () -> NoteCrypto.parseVerifierKey(PETER_VKEY.replace("c74f20a3", "c74f20a4")));
    assertThrows(IllegalArgumentException.class, () -> NoteCrypto.parseVerifierKey(PETER_VKEY.replace("PeterNeumann", "PeterNeuman")));
    assertThrows(IllegalArgumentException.class, () -> NoteCrypto.parseVerifierKey("PeterNeumann+c74f20a3+ARpc2QcUPDhM"));
    assertThrows(IllegalArgumentException.class, () -> NoteCrypto.parseVerifierKey("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"));
  }

  @Test
  void cosignaturesSignTheSpecMessage() throws Exception {
    Ed25519Sign.KeyPair pair = Ed25519Sign.KeyPair.newKeyPair();
    String body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    assertEquals("cosignature/v1\ntime 1679315147\n" + body,
        new String(NoteCrypto.cosignedMessage(body, 1679315147L), StandardCharsets.UTF_8));
    NoteCrypto.VerifierKey k = NoteCrypto.verifierKey("witness.example.com/w1", NoteCrypto.COSIGNATURE_V1, pair.getPublicKey());
    byte[] sig = new Ed25519Sign(pair.getPrivateKey()).sign(NoteCrypto.cosignedMessage(body, 1679315147L));
    byte[] ts = java.nio.ByteBuffer.allocate(72).putLong(1679315147L).put(sig).array();
    SignedNote n = new SignedNote(body, java.util.List.of(new SignedNote.Signature(k.name(), k.keyId(), ts)));
    assertEquals(1679315147L, NoteCrypto.verifyCosignature(n, k));
    byte[] later = java.nio.ByteBuffer.allocate(72).putLong(1679315148L).put(sig).array();
    assertEquals(-1, NoteCrypto.verifyCosignature(
        new SignedNote(body, java.util.List.of(new SignedNote.Signature(k.name(), k.keyId(), later))), k));
  }
}
