package io.spaceduck.server.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.conformance.MutableClock;
import jakarta.mail.Address;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Against a real in-process SMTP server (GreenMail) on 127.0.0.1 and a free port. */
@Tag("H2")
class SmtpVerificationDeliveryTest {
  private static final HatchId HATCH = new HatchId("ht_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  private static final Instant EXPIRES = Instant.parse("2026-12-06T22:45:31Z");
  private static final String TO = "duck.owner+test@example.com";
  private static final String FROM = "no-reply@spaceduck.example";

  @TempDir static Path keys;
  private static KeyStore trust;

  private GreenMail mail;

  /**
   * GreenMail's bundled certificate names no host, so the host-name check would refuse it: make one for
   * {@code localhost} (keytool from this JDK, nothing committed) and have GreenMail serve it.
   */
  @BeforeAll
  static void certificate() throws Exception {
    Path store = keys.resolve("smtp-test.p12");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "smtp", "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", "changeit", "-keypass", "changeit")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
    System.setProperty("greenmail.tls.keystore.file", store.toString());
    System.setProperty("greenmail.tls.keystore.password", "changeit");
    KeyStore server = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      server.load(in, "changeit".toCharArray());
    }
    trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("smtp", server.getCertificate("smtp"));
  }

  @AfterEach
  void stop() {
    if (mail != null) {
      mail.stop();
    }
  }

  private GreenMail start(String protocol, GreenMailConfiguration config) {
    mail = new GreenMail(new ServerSetup(0, "127.0.0.1", protocol).dynamicPort()).withConfiguration(config);
    mail.start();
    return mail;
  }

  private int smtpPort() {
    return mail.getSmtp() != null ? mail.getSmtp().getPort() : mail.getSmtps().getPort();
  }

  private SmtpVerificationDelivery.Builder plain() {
    return SmtpVerificationDelivery.builder()
        .host("127.0.0.1")
        .port(smtpPort())
        .from(FROM)
        .tls(SmtpVerificationDelivery.Tls.NONE)
        .heloName("hosts-test.localhost")
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(Duration.ofSeconds(10))
        .clock(new MutableClock(Instant.parse("2026-12-06T22:30:31Z")));
  }

  private static void deliver(SmtpVerificationDelivery d, String to, String code) {
    d.deliver(Email.of(to), HATCH, VerificationCode.of(code), EXPIRES);
  }

  private MimeMessage onlyMessage() {
    assertTrue(mail.waitForIncomingEmail(10_000, 1));
    MimeMessage[] got = mail.getReceivedMessages();
    assertEquals(1, got.length);
    return got[0];
  }

  @Test
  void plainSmtp_deliversTheCodeAndItsExpiry_andNothingElse() throws Exception {
    start(ServerSetup.PROTOCOL_SMTP, GreenMailConfiguration.aConfig());
    deliver(plain().build(), TO, "493817");
    MimeMessage m = onlyMessage();
    assertEquals(SmtpVerificationDelivery.SUBJECT, m.getSubject());
    assertEquals(FROM, m.getFrom()[0].toString());
    Address[] to = m.getAllRecipients();
    assertEquals(1, to.length);
    assertEquals(TO, to[0].toString());
    assertEquals(Instant.parse("2026-12-06T22:30:31Z"), m.getSentDate().toInstant());
    assertEquals("auto-generated", m.getHeader("Auto-Submitted")[0]);
    assertTrue(m.getContentType().startsWith("text/plain"), m.getContentType());
    String body = ((String) m.getContent());
    assertTrue(body.contains("\n    493817\r\n"), body);
    assertTrue(body.contains("2026-12-06 22:45 UTC"), body);
    assertFalse(body.contains(HATCH.value()), "the hatch id stays with the client");
    assertFalse(body.contains(TO), "the body does not repeat the address");
  }

  @Test
  void smtpAuth_withTheRightPassword_delivers_andAWrongOneFails() throws Exception {
    start(ServerSetup.PROTOCOL_SMTP, GreenMailConfiguration.aConfig().withUser("mailer", "right-password-1"));
    deliver(plain().auth("mailer", "right-password-1").build(), TO, "111111");
    assertEquals(1, onlyMessage().getAllRecipients().length);

    try (CapturedStderr err = new CapturedStderr()) {
      SmtpVerificationDelivery wrong = plain().auth("mailer", "wrong-password-2").build();
      assertThrows(DeliveryFailedException.class, () -> deliver(wrong, TO, "222222"));
      String logged = err.text();
      assertTrue(logged.contains("refused the credentials"), logged);
      assertFalse(logged.contains("wrong-password-2"));
      assertFalse(logged.contains("222222"));
      assertFalse(logged.contains(TO));
    }
    assertEquals(1, mail.getReceivedMessages().length);
  }

  @Test
  void smtps_withATrustedCertificateForTheHost_delivers() throws Exception {
    start(ServerSetup.PROTOCOL_SMTPS, GreenMailConfiguration.aConfig().withUser("mailer", "tls-password"));
    SmtpVerificationDelivery d =
        plain().host("localhost").tls(SmtpVerificationDelivery.Tls.SMTPS).trustStore(trust).auth("mailer", "tls-password").build();
    deliver(d, TO, "333333");
    assertEquals(TO, onlyMessage().getAllRecipients()[0].toString());
  }

  @Test
  void smtps_refusesAnUntrustedCertificate_andACertificateForAnotherHost() {
    start(ServerSetup.PROTOCOL_SMTPS, GreenMailConfiguration.aConfig());
    SmtpVerificationDelivery untrusted = plain().host("localhost").tls(SmtpVerificationDelivery.Tls.SMTPS).build();
    assertThrows(DeliveryFailedException.class, () -> deliver(untrusted, TO, "444444"));
    SmtpVerificationDelivery otherName =
        plain().host("127.0.0.1").tls(SmtpVerificationDelivery.Tls.SMTPS).trustStore(trust).build();
    assertThrows(DeliveryFailedException.class, () -> deliver(otherName, TO, "555555"), "cert is for localhost only");
    assertEquals(0, mail.getReceivedMessages().length);
  }

  @Test
  void requiredStartTls_refusesAServerWithoutIt_optionalFallsBackToPlain() throws Exception {
    start(ServerSetup.PROTOCOL_SMTP, GreenMailConfiguration.aConfig()); // GreenMail offers no STARTTLS
    SmtpVerificationDelivery required = plain().tls(SmtpVerificationDelivery.Tls.STARTTLS).build();
    assertThrows(DeliveryFailedException.class, () -> deliver(required, TO, "666666"));
    assertEquals(0, mail.getReceivedMessages().length, "nothing went out in clear text");
    deliver(plain().tls(SmtpVerificationDelivery.Tls.STARTTLS_OPTIONAL).build(), TO, "777777");
    assertEquals(1, onlyMessage().getAllRecipients().length);
  }

  @Test
  void unreachableServer_failsWithTheDocumentedException() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    SmtpVerificationDelivery d =
        SmtpVerificationDelivery.builder().host("127.0.0.1").port(port).from(FROM).tls(SmtpVerificationDelivery.Tls.NONE).build();
    DeliveryFailedException e = assertThrows(DeliveryFailedException.class, () -> deliver(d, TO, "888888"));
    assertNull(e.getCause(), "no cause: mail exceptions quote addresses");
    assertFalse(e.getMessage().contains(TO));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "victim@example.com\r\nBcc: attacker@evil.example",
        "victim@example.com\nBcc: attacker@evil.example",
        "victim@example.com\rX: y",
        "victim@example.com, attacker@evil.example",
        "victim@example.com;attacker@evil.example",
        "Victim <victim@example.com>",
        "\"victim\"@example.com",
        "victim@example.com (comment)",
        "victim @example.com",
        "victim@example.com\u0000",
        "victim\u2028@example.com",
        "vïctim@example.com",
        "group: victim@example.com;",
        "victim@@example.com",
        "@example.com",
        "victim@",
        "victim..x@example.com",
        ""
      })
  void hostileRecipient_isRefusedBeforeAnyConnection(String hostile) {
    start(ServerSetup.PROTOCOL_SMTP, GreenMailConfiguration.aConfig());
    SmtpVerificationDelivery d = plain().build();
    assertThrows(DeliveryFailedException.class, () -> deliver(d, hostile, "999999"));
    assertEquals(0, mail.getReceivedMessages().length);
  }

  @Test
  void credentialsOverAPossiblyPlainConnection_onlyToLoopback() {
    for (SmtpVerificationDelivery.Tls tls :
        Arrays.asList(SmtpVerificationDelivery.Tls.NONE, SmtpVerificationDelivery.Tls.STARTTLS_OPTIONAL)) {
      assertThrows(
          IllegalArgumentException.class,
          () -> SmtpVerificationDelivery.builder().host("smtp.example.com").from(FROM).tls(tls).auth("u", "p").build());
    }
    assertNotNull(SmtpVerificationDelivery.builder().host("smtp.example.com").from(FROM).auth("u", "p").build());
    assertThrows(IllegalArgumentException.class, () -> SmtpVerificationDelivery.builder().from("a@b.example\r\nBcc: c@d.example"));
    assertThrows(IllegalStateException.class, () -> SmtpVerificationDelivery.builder().host("smtp.example.com").build());
  }

  @Test
  void toString_hidesThePassword() {
    String s = SmtpVerificationDelivery.builder().host("smtp.example.com").from(FROM).auth("u", "hunter2-secret").build().toString();
    assertFalse(s.contains("hunter2-secret"));
  }

  @Test
  void fromEnvironment_readsTheDocumentedVariables() throws Exception {
    start(ServerSetup.PROTOCOL_SMTP, GreenMailConfiguration.aConfig().withUser("envuser", "env-password"));
    SmtpVerificationDelivery d =
        SmtpVerificationDelivery.fromEnvironment(
            Map.of(
                    SmtpVerificationDelivery.HOST_ENV, "127.0.0.1",
                    SmtpVerificationDelivery.PORT_ENV, Integer.toString(smtpPort()),
                    SmtpVerificationDelivery.FROM_ENV, FROM,
                    SmtpVerificationDelivery.TLS_ENV, "none",
                    SmtpVerificationDelivery.USER_ENV, "envuser",
                    SmtpVerificationDelivery.PASSWORD_ENV, "env-password",
                    SmtpVerificationDelivery.TIMEOUT_ENV, "10s")
                ::get);
    deliver(d, TO, "121212");
    assertEquals(1, onlyMessage().getAllRecipients().length);

    IllegalStateException missing =
        assertThrows(
            IllegalStateException.class,
            () -> SmtpVerificationDelivery.fromEnvironment(Map.of(SmtpVerificationDelivery.HOST_ENV, "smtp.example.com")::get));
    assertTrue(missing.getMessage().contains(SmtpVerificationDelivery.FROM_ENV));
    IllegalStateException noPassword =
        assertThrows(
            IllegalStateException.class,
            () ->
                SmtpVerificationDelivery.fromEnvironment(
                    Map.of(
                            SmtpVerificationDelivery.HOST_ENV, "smtp.example.com",
                            SmtpVerificationDelivery.FROM_ENV, FROM,
                            SmtpVerificationDelivery.USER_ENV, "u")
                        ::get));
    assertTrue(noPassword.getMessage().contains(SmtpVerificationDelivery.PASSWORD_ENV));
  }

  @Test
  void devMode_printsTheBannerOnce_andTheCodeLikeDuckHatch_butNeverTheAddress() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    DevModeDelivery d = new DevModeDelivery(out);
    d.deliver(Email.of(TO), HATCH, VerificationCode.of("135790"), EXPIRES);
    d.deliver(Email.of(TO), HATCH, VerificationCode.of("246801"), EXPIRES);
    String text = bytes.toString(StandardCharsets.UTF_8);
    assertEquals(text.indexOf(DevModeDelivery.BANNER), text.lastIndexOf(DevModeDelivery.BANNER));
    assertTrue(text.contains(DevModeDelivery.BANNER));
    assertTrue(text.contains("verification code for " + HATCH.value() + ": 135790 (valid until " + EXPIRES), text);
    assertTrue(text.contains(": 246801 "), text);
    assertFalse(text.contains(TO));
  }
}
