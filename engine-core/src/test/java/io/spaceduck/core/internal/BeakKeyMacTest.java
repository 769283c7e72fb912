package io.spaceduck.core.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.mac.HmacParameters;
import com.google.crypto.tink.mac.PredefinedMacParameters;
import io.spaceduck.api.KeyId;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.Size;
import org.jspecify.annotations.Nullable;

/**
 * Beak Key MACs verify exactly as Tink verified them (K1): tags Tink computed at issue — including a
 * key issued by the engine before verification moved off Tink's wrapper — verify, and nothing else
 * does; keysets of another shape are left to Tink; an unknown key fails (K6).
 */
class BeakKeyMacTest {
  // Issued by the engine before this class existed (Core.keyMacInput + the keyset's Tink Mac): a
  // cleartext test keyset, a raw key and the MAC the store holds for it.
  private static final String OLD_KEYSET =
      "{\"primaryKeyId\":3322496141,\"key\":[{\"keyData\":{\"typeUrl\":\"type.googleapis.com/google.crypto.tink.HmacKey\","
          + "\"value\":\"EgQIAxAgGiDxIlY6fAPMT3kzabK1iAlUpAaH4AN65mW5zY+IM+BraA==\",\"keyMaterialType\":\"SYMMETRIC\"},"
          + "\"status\":\"ENABLED\",\"keyId\":3322496141,\"outputPrefixType\":\"TINK\"}]}";
  private static final String OLD_RAW_KEY = "bk_k3yidk3yidabcdef_s3cr3ts3cr3tabcdefghijklmnopqrstuvwxyz234567abcdefgh";
  private static final String OLD_STORED_MAC =
      "01c609448dbcc20e0c363d4920ffea4b7042584defb8ac7eec76b972aaebbe35269ee356e1";

  private static final byte[] NONE = new byte[0];

  /** A one-part message through the two-part API. */
  private static boolean verify(BeakKeyMac mac, byte @Nullable [] stored, byte[] data) {
    return mac.verify(stored, NONE, data, 0);
  }

  private static BeakKeyMac of(KeysetHandle h) throws GeneralSecurityException {
    return BeakKeyMac.of(h, h.getPrimitive(TinkSetup.config(), Mac.class));
  }

  private static KeysetHandle generate(com.google.crypto.tink.Parameters p) throws GeneralSecurityException {
    TinkSetup.config();
    return KeysetHandle.generateNew(p);
  }

  @Example
  @Tag("K1")
  @Label("K1 a key issued before the change still authenticates, through the JCE path")
  void aKeyIssuedBeforeTheChange_stillVerifies() throws GeneralSecurityException {
    TinkSetup.config();
    KeysetHandle h = TinkJsonProtoKeysetFormat.parseKeyset(OLD_KEYSET, InsecureSecretKeyAccess.get());
    BeakKeyMac mac = of(h);
    assertTrue(mac.usesJce());
    byte[] stored = HexFormat.of().parseHex(OLD_STORED_MAC);
    byte[] body = BeakKeyFormat.macBodyOf(OLD_RAW_KEY);
    assertNotNull(body);

    // as Core verifies it: the domain, then the raw key's own bytes
    assertTrue(mac.verify(stored, BeakKeyFormat.MAC_DOMAIN, body, BeakKeyFormat.BODY_FROM));
    // the engine still issues the very same tag for it
    KeyId id = new KeyId(OLD_RAW_KEY.substring(3, 19));
    String secret = OLD_RAW_KEY.substring(20);
    assertArrayEquals(stored, h.getPrimitive(TinkSetup.config(), Mac.class).computeMac(BeakKeyFormat.macInput(id, secret)));

    byte[] otherSecret = BeakKeyFormat.macBodyOf(OLD_RAW_KEY.substring(0, 71) + (OLD_RAW_KEY.endsWith("a") ? "b" : "a"));
    assertNotNull(otherSecret);
    assertFalse(mac.verify(stored, BeakKeyFormat.MAC_DOMAIN, otherSecret, BeakKeyFormat.BODY_FROM));
    assertFalse(mac.verify(null, BeakKeyFormat.MAC_DOMAIN, body, BeakKeyFormat.BODY_FROM), "K6: no row, no success");
  }

  @Property(tries = 200)
  @Tag("K1")
  @Label("K1 the JCE path accepts exactly the tags Tink accepts")
  void jcePath_agreesWithTink(
      @ForAll @Size(max = 200) byte[] data, @ForAll("tampering") int position, @ForAll("nonZero") byte flip)
      throws GeneralSecurityException {
    KeysetHandle h = generate(PredefinedMacParameters.HMAC_SHA256_256BITTAG);
    Mac tink = h.getPrimitive(TinkSetup.config(), Mac.class);
    BeakKeyMac mac = of(h);
    assertTrue(mac.usesJce());
    byte[] tag = tink.computeMac(data);
    assertTrue(verify(mac, tag, data));

    byte[] tampered = tag.clone();
    tampered[position % tag.length] ^= flip;
    assertFalse(verify(mac, tampered, data));
    assertFalse(verify(mac, java.util.Arrays.copyOf(tag, tag.length - 1), data));
    assertFalse(verify(mac, java.util.Arrays.copyOf(tag, tag.length + 1), data));
    assertFalse(verify(mac, new byte[0], data));
    assertFalse(verify(mac, null, data));
    // another keyset's tag of the same data
    assertFalse(verify(mac, generate(PredefinedMacParameters.HMAC_SHA256_256BITTAG).getPrimitive(TinkSetup.config(), Mac.class).computeMac(data), data));
  }

  @Property(tries = 200)
  @Tag("K1")
  @Label("K1 a message in two parts verifies wherever it is split, on both paths")
  void twoParts_verifyWhereverSplit(@ForAll @Size(max = 120) byte[] data, @ForAll("tampering") int at, @ForAll("tampering") int from)
      throws GeneralSecurityException {
    int split = at % (data.length + 1);
    byte[] head = java.util.Arrays.copyOfRange(data, 0, split);
    // the body carries `skip` bytes of noise before the rest of the message
    int skip = from % 8;
    byte[] body = new byte[skip + data.length - split];
    java.util.Arrays.fill(body, 0, skip, (byte) 0x5a);
    System.arraycopy(data, split, body, skip, data.length - split);
    for (KeysetHandle h :
        new KeysetHandle[] {
          generate(PredefinedMacParameters.HMAC_SHA256_256BITTAG), generate(PredefinedMacParameters.HMAC_SHA512_256BITTAG)
        }) {
      BeakKeyMac mac = of(h);
      byte[] tag = h.getPrimitive(TinkSetup.config(), Mac.class).computeMac(data);
      assertTrue(mac.verify(tag, head, body, skip), mac.toString());
      if (split < data.length) { // one message byte fewer: another message
        assertFalse(mac.verify(tag, head, body, skip + 1), mac.toString());
      }
    }
  }

  @Provide
  Arbitrary<Integer> tampering() {
    return Arbitraries.integers().between(0, 1000);
  }

  @Provide
  Arbitrary<Byte> nonZero() {
    return Arbitraries.bytes().filter(b -> b != 0);
  }

  @Example
  @Tag("K1")
  void otherHmacSha256Variants_takeTheJcePath_andVerify() throws GeneralSecurityException {
    for (HmacParameters p :
        new HmacParameters[] {
          PredefinedMacParameters.HMAC_SHA256_128BITTAG, // truncated tag
          HmacParameters.builder().setKeySizeBytes(32).setTagSizeBytes(32)
              .setHashType(HmacParameters.HashType.SHA256).setVariant(HmacParameters.Variant.NO_PREFIX).build(),
          HmacParameters.builder().setKeySizeBytes(32).setTagSizeBytes(32)
              .setHashType(HmacParameters.HashType.SHA256).setVariant(HmacParameters.Variant.CRUNCHY).build()
        }) {
      KeysetHandle h = generate(p);
      BeakKeyMac mac = of(h);
      assertTrue(mac.usesJce(), p.toString());
      byte[] data = {1, 2, 3};
      byte[] tag = h.getPrimitive(TinkSetup.config(), Mac.class).computeMac(data);
      assertTrue(verify(mac, tag, data), p.toString());
      tag[tag.length - 1] ^= 1;
      assertFalse(verify(mac, tag, data), p.toString());
    }
  }

  @Example
  @Tag("K1")
  void keysetsOfAnotherShape_areLeftToTink_andStillVerify() throws GeneralSecurityException {
    HmacParameters legacy =
        HmacParameters.builder().setKeySizeBytes(32).setTagSizeBytes(32)
            .setHashType(HmacParameters.HashType.SHA256).setVariant(HmacParameters.Variant.LEGACY).build();
    KeysetHandle first = generate(PredefinedMacParameters.HMAC_SHA256_256BITTAG);
    KeysetHandle two =
        KeysetHandle.newBuilder(first)
            .addEntry(KeysetHandle.generateEntryFromParameters(PredefinedMacParameters.HMAC_SHA512_256BITTAG).withRandomId())
            .build();
    for (KeysetHandle h : new KeysetHandle[] {generate(legacy), generate(PredefinedMacParameters.HMAC_SHA512_512BITTAG), two}) {
      BeakKeyMac mac = of(h);
      assertFalse(mac.usesJce(), h.toString());
      byte[] data = {4, 5, 6};
      byte[] tag = h.getPrimitive(TinkSetup.config(), Mac.class).computeMac(data);
      assertTrue(verify(mac, tag, data));
      tag[tag.length - 1] ^= 1;
      assertFalse(verify(mac, tag, data));
      assertFalse(verify(mac, null, data), "K6");
    }
    // the first key of the two-key keyset still verifies its old tags
    byte[] old = first.getPrimitive(TinkSetup.config(), Mac.class).computeMac(new byte[] {7});
    assertTrue(verify(of(two), old, new byte[] {7}));
  }

  @Example
  void toString_revealsNothing() throws GeneralSecurityException {
    assertEquals("BeakKeyMac[jce]", of(generate(PredefinedMacParameters.HMAC_SHA256_256BITTAG)).toString());
  }
}
