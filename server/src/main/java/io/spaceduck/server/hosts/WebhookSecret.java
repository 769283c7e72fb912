package io.spaceduck.server.hosts;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A Standard Webhooks signing secret: {@code whsec_} followed by the base64 of 24 to 64 random bytes, as
 * the receiver is given it. Signs {@code id.timestamp.body} with HMAC-SHA256 (signature scheme {@code v1}).
 *
 * <h2>Security guarantees</h2>
 *
 * Not a record: {@code toString} is redacted and {@code equals} is identity, so the key cannot reach a log
 * line by accident; parse errors never echo the text. Immutable and thread-safe.
 */
public final class WebhookSecret {
  /** The prefix of the serialised form. */
  public static final String PREFIX = "whsec_";
  static final int MIN_BYTES = 24;
  static final int MAX_BYTES = 64;

  private final byte[] key;

  private WebhookSecret(byte[] key) {
    this.key = key;
  }

  /**
   * Parses {@code whsec_<base64>}.
   *
   * @throws IllegalArgumentException if the prefix is missing, the rest is not base64, or the key is not
   *     24 to 64 bytes (the message never contains the text)
   */
  public static WebhookSecret parse(String serialised) {
    Objects.requireNonNull(serialised, "secret");
    if (!serialised.startsWith(PREFIX)) {
      throw new IllegalArgumentException("a webhook secret starts with " + PREFIX);
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(serialised.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a webhook secret is " + PREFIX + " followed by base64");
    }
    if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
      throw new IllegalArgumentException("a webhook secret holds " + MIN_BYTES + " to " + MAX_BYTES + " bytes");
    }
    return new WebhookSecret(key);
  }

  /** A new random secret of 32 bytes. */
  public static WebhookSecret generate(SecureRandom random) {
    byte[] key = new byte[32];
    random.nextBytes(key);
    return new WebhookSecret(key);
  }

  /** The serialised form {@code whsec_<base64>}, to hand to the receiver once. */
  public String reveal() {
    return PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /**
   * The {@code v1} signature: {@code v1,<base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))>}.
   */
  String sign(String id, long timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  @Override
  public String toString() {
    return "WebhookSecret[***]";
  }
}
