package io.spaceduck.server.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;

/**
 * The TLS certificate chain and private key from PEM files, as an in-memory PKCS#12 key store for
 * Jetty. The key must be PKCS#8 ({@code BEGIN PRIVATE KEY}, EC or RSA) and unencrypted; a PKCS#1 or
 * SEC1 key ({@code BEGIN RSA/EC PRIVATE KEY}) is refused with the {@code openssl pkcs8} line that
 * converts it.
 */
public final class Pem {
  /** The key store and its (random, in-memory only) password. */
  public record Loaded(KeyStore store, String password) {}

  private Pem() {}

  public static Loaded load(Path certPem, Path keyPem) {
    try {
      Collection<? extends Certificate> chain =
          CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certPem)));
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("no certificate in " + certPem);
      }
      PrivateKey key = privateKey(Files.readString(keyPem, StandardCharsets.US_ASCII), keyPem);
      byte[] pw = new byte[16];
      new SecureRandom().nextBytes(pw);
      String password = HexFormat.of().formatHex(pw);
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("server", key, password.toCharArray(), chain.toArray(new Certificate[0]));
      return new Loaded(ks, password);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the TLS certificate or key: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the TLS certificate or key is not usable: " + e.getMessage(), e);
    }
  }

  private static PrivateKey privateKey(String pem, Path file) throws GeneralSecurityException {
    if (pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY") || pem.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
      throw new IllegalArgumentException(file + " is not an unencrypted PKCS#8 key; convert it with:"
          + " openssl pkcs8 -topk8 -nocrypt -in " + file + " -out key-pkcs8.pem");
    }
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(file + " holds no PEM private key (BEGIN PRIVATE KEY)");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String alg : new String[] {"EC", "RSA", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException ignored) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException(file + " holds a private key of an unsupported algorithm (EC, RSA or Ed25519)");
  }
}
