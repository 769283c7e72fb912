package io.spaceduck.core.internal;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.Key;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Mac;
import com.google.crypto.tink.mac.HmacKey;
import com.google.crypto.tink.mac.HmacParameters;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Verifies a Beak Key's stored MAC on the authentication path (K1, K6).
 *
 * <p>Tags are what Tink's {@link Mac} of the engine's {@code mac} keyset computes at issue (it still
 * does): the key's 5-byte output prefix followed by HMAC-SHA256 of the MAC input. Verification,
 * which runs on every authenticated call, recomputes that tag with a JCE {@link javax.crypto.Mac}
 * per thread keyed with the same key material, and compares with {@link MessageDigest#isEqual}. Measured, Tink's
 * wrapper (prefix lookup, tag copy and concatenation) added about a quarter to the HMAC itself.
 *
 * <p>Only a keyset of one HMAC-SHA256 key whose tag is prefix plus plain HMAC (variants {@code TINK},
 * {@code CRUNCHY}, {@code NO_PREFIX}, which is what the engine generates) takes that path, and only
 * once a probe tag from it equals Tink's own; any other keyset is verified by Tink, as before.
 *
 * <h2>Security guarantees</h2>
 *
 * The key material lives only inside {@link SecretKeySpec}s (this object's and each thread's {@code
 * Mac}), never in a log line or {@code toString}. Comparison is constant-time over the whole tag. A
 * missing row ({@code storedTag == null}) costs the same HMAC as a present one and fails (K6).
 *
 * <p>Thread-safe.
 */
final class BeakKeyMac {
  private static final String HMAC_SHA256 = "HmacSHA256";
  private static final byte[] PROBE = "spaceduck/beak-key-mac-probe".getBytes(StandardCharsets.US_ASCII);

  private final Mac tink;
  private final @Nullable Fast fast;

  private BeakKeyMac(Mac tink, @Nullable Fast fast) {
    this.tink = tink;
    this.fast = fast;
  }

  /** Over {@code handle} (the engine's {@code mac} keyset) and {@code tink}, its Tink primitive. */
  static BeakKeyMac of(KeysetHandle handle, Mac tink) throws GeneralSecurityException {
    Fast fast = Fast.of(handle);
    // the probe is in two parts, as on the authentication path
    int half = PROBE.length / 2;
    if (fast != null && !MessageDigest.isEqual(fast.tag(PROBE, PROBE, half), tink.computeMac(concat(PROBE, PROBE, half)))) {
      fast = null; // a tag format this class does not reproduce: leave it all to Tink
    }
    return new BeakKeyMac(tink, fast);
  }

  private static byte[] concat(byte[] head, byte[] body, int from) {
    byte[] m = new byte[head.length + body.length - from];
    System.arraycopy(head, 0, m, 0, head.length);
    System.arraycopy(body, from, m, head.length, body.length - from);
    return m;
  }

  /** Whether verification bypasses Tink's wrapper (for tests). */
  boolean usesJce() {
    return fast != null;
  }

  /**
   * Whether {@code storedTag}, the MAC a key's row holds (or {@code null}: no such row), is the tag
   * of the raw key whose {@link BeakKeyFormat#macBodyOf body} is {@code keyBody} — the key's MAC
   * input, read in place as {@link BeakKeyFormat#MAC_DOMAIN} and the body from {@link
   * BeakKeyFormat#BODY_FROM}. The name reads in argument order, so that a swap shows at the call.
   * With no row it does the same MAC work and returns false (K6).
   */
  boolean storedTagMatchesKey(byte @Nullable [] storedTag, byte[] keyBody) {
    return verify(storedTag, BeakKeyFormat.MAC_DOMAIN, keyBody, BeakKeyFormat.BODY_FROM);
  }

  /**
   * Whether {@code storedTag} is the tag of the message {@code messageHead} followed by {@code
   * messageTail} from {@code tailFrom} to its end (two parts, so that the caller need not copy them
   * into one). With {@code storedTag == null} (no such key) it does the same MAC work and returns
   * false.
   */
  boolean verify(byte @Nullable [] storedTag, byte[] messageHead, byte[] messageTail, int tailFrom) {
    if (fast != null) {
      return fast.verify(storedTag, messageHead, messageTail, tailFrom);
    }
    byte[] data = concat(messageHead, messageTail, tailFrom);
    try {
      if (storedTag == null) {
        tink.computeMac(data); // Tink's verify would skip the HMAC for an unknown prefix (K6)
        return false;
      }
      tink.verifyMac(storedTag, data);
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "BeakKeyMac[" + (fast != null ? "jce" : "tink") + "]";
  }

  /** One HMAC-SHA256 key: tag = prefix || HMAC(key, data) truncated to the tag size. */
  private static final class Fast {
    private final byte[] prefix;
    private final int tagSize;
    private final byte[] decoy;
    private final ThreadLocal<javax.crypto.Mac> macs;

    private Fast(byte[] prefix, int tagSize, SecretKeySpec key) {
      this.prefix = prefix;
      this.tagSize = tagSize;
      this.decoy = new byte[prefix.length + tagSize];
      this.macs =
          ThreadLocal.withInitial(
              () -> {
                try {
                  javax.crypto.Mac m = javax.crypto.Mac.getInstance(HMAC_SHA256);
                  m.init(key);
                  return m;
                } catch (GeneralSecurityException e) {
                  throw new IllegalStateException("HmacSHA256 unavailable", e);
                }
              });
    }

    static @Nullable Fast of(KeysetHandle handle) {
      if (handle.size() != 1) {
        return null;
      }
      Key key = handle.getPrimary().getKey();
      if (!(key instanceof HmacKey hmac)) {
        return null;
      }
      HmacParameters p = hmac.getParameters();
      if (p.getHashType() != HmacParameters.HashType.SHA256 || p.getVariant() == HmacParameters.Variant.LEGACY) {
        return null; // LEGACY MACs the data with a 0 byte appended; other hashes are not HmacSHA256
      }
      byte[] material = hmac.getKeyBytes().toByteArray(InsecureSecretKeyAccess.get());
      try {
        SecretKeySpec spec = new SecretKeySpec(material, HMAC_SHA256); // copies the bytes
        // proves the JCE can key an HmacSHA256 here, so the per-thread instances cannot fail later
        javax.crypto.Mac.getInstance(HMAC_SHA256).init(spec);
        return new Fast(hmac.getOutputPrefix().toByteArray(), p.getCryptographicTagSizeBytes(), spec);
      } catch (GeneralSecurityException e) {
        return null; // no usable JCE HmacSHA256 (a restricted provider setup): Tink verifies
      } finally {
        Arrays.fill(material, (byte) 0);
      }
    }

    byte[] tag(byte[] head, byte[] body, int from) {
      javax.crypto.Mac mac = macs.get();
      byte[] tag = new byte[prefix.length + mac.getMacLength()];
      System.arraycopy(prefix, 0, tag, 0, prefix.length);
      mac.update(head);
      mac.update(body, from, body.length - from);
      try {
        mac.doFinal(tag, prefix.length); // straight after the prefix: no second array, no copy
      } catch (javax.crypto.ShortBufferException e) {
        throw new IllegalStateException(e); // sized from getMacLength() above
      }
      return tag.length == prefix.length + tagSize ? tag : Arrays.copyOf(tag, prefix.length + tagSize);
    }

    boolean verify(byte @Nullable [] storedTag, byte[] messageHead, byte[] messageTail, int tailFrom) {
      // first, and always: the same work whether or not the key exists (K6)
      byte[] tag = tag(messageHead, messageTail, tailFrom);
      boolean equal = MessageDigest.isEqual(storedTag != null ? storedTag : decoy, tag); // constant-time
      return equal && storedTag != null;
    }
  }
}
