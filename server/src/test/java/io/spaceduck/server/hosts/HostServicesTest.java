package io.spaceduck.server.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.api.PeckNotifier;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HostServicesTest {
  private static final HatchId HATCH = new HatchId("ht_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  private static final Instant EXPIRES = Instant.parse("2026-12-06T22:45:00Z");

  private final ByteArrayOutputStream devBytes = new ByteArrayOutputStream();
  private final PrintStream devOut = new PrintStream(devBytes, true, StandardCharsets.UTF_8);

  private String dev() {
    return devBytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void nothingConfigured_failsClosed() {
    try (HostServices h = HostServices.fromEnvironment(Map.<String, String>of()::get, devOut)) {
      assertFalse(h.humanCheck().verify("any-token", "203.0.113.7"));
      assertThrows(
          DeliveryFailedException.class,
          () -> h.verificationDelivery().deliver(Email.of("a@example.com"), HATCH, VerificationCode.of("123456"), EXPIRES));
      assertSame(PeckNotifier.NONE, h.peckNotifier());
      assertEquals(3, h.summary().size());
      assertTrue(h.summary().get(0).contains("not configured"));
      assertTrue(h.summary().get(1).contains("not configured"));
      assertEquals("", dev(), "no development banner outside development mode");
    }
  }

  @Test
  void devMode_passesChallengesAndPrintsCodes_loudly() {
    try (HostServices h = HostServices.fromEnvironment(Map.of(HostServices.DEV_MODE_ENV, "true")::get, devOut)) {
      assertTrue(h.humanCheck().verify("any-token", "203.0.113.7"));
      h.verificationDelivery().deliver(Email.of("a@example.com"), HATCH, VerificationCode.of("654321"), EXPIRES);
      assertTrue(dev().contains(DevModeDelivery.BANNER));
      assertTrue(dev().contains("verification code for " + HATCH.value() + ": 654321"));
      assertTrue(String.join("\n", h.summary()).contains("DEVELOPMENT MODE"));
    }
    assertThrows(
        IllegalStateException.class, () -> HostServices.fromEnvironment(Map.of(HostServices.DEV_MODE_ENV, "maybe")::get, devOut));
  }

  @Test
  void everyPartFromTheEnvironment_works_andTheSummaryHoldsNoSecret() throws Exception {
    String whsec = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
    GreenMail mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
    mail.withConfiguration(GreenMailConfiguration.aConfig().withUser("mailer", "smtp-password-x"));
    mail.start();
    try (TurnstileStub turnstile = new TurnstileStub();
        WebhookReceiver hooks = new WebhookReceiver()) {
      Map<String, String> env = new HashMap<>();
      env.put(HostServices.DEV_MODE_ENV, "true"); // explicit settings win over development defaults
      env.put(TurnstileHumanCheck.SECRET_ENV, TurnstileStub.SECRET);
      env.put(TurnstileHumanCheck.ENDPOINT_ENV, turnstile.url().toString());
      env.put(SmtpVerificationDelivery.HOST_ENV, "127.0.0.1");
      env.put(SmtpVerificationDelivery.PORT_ENV, Integer.toString(mail.getSmtp().getPort()));
      env.put(SmtpVerificationDelivery.FROM_ENV, "no-reply@spaceduck.example");
      env.put(SmtpVerificationDelivery.TLS_ENV, "none");
      env.put(SmtpVerificationDelivery.USER_ENV, "mailer");
      env.put(SmtpVerificationDelivery.PASSWORD_ENV, "smtp-password-x");
      env.put(WebhookPeckNotifier.URLS_ENV, hooks.url("/peck").toString());
      env.put(WebhookPeckNotifier.SECRET_ENV, whsec);
      HostServices h = HostServices.fromEnvironment(env::get, devOut);
      try {
        assertFalse(h.humanCheck().verify("not-issued", "203.0.113.7"), "Turnstile, not the development check");
        assertTrue(h.humanCheck().verify(turnstile.issue("issued-token"), "203.0.113.7"));
        h.verificationDelivery().deliver(Email.of("owner@example.com"), HATCH, VerificationCode.of("777000"), EXPIRES);
        assertTrue(mail.waitForIncomingEmail(10_000, 1));
        assertTrue(((String) mail.getReceivedMessages()[0].getContent()).contains("777000"));
        h.peckNotifier().onTransition(WebhookPeckNotifierTest.peck(PeckState.REQUESTED));
        assertEquals("/peck", hooks.next().path());
        assertEquals("", dev(), "nothing printed: no development part is in use");
        String summary = String.join("\n", h.summary()) + h;
        for (String secret : new String[] {TurnstileStub.SECRET, "smtp-password-x", whsec, whsec.substring(6)}) {
          assertFalse(summary.contains(secret), summary);
        }
      } finally {
        h.close();
      }
      WebhookPeckNotifier webhooks = (WebhookPeckNotifier) h.peckNotifier();
      webhooks.onTransition(WebhookPeckNotifierTest.peck(PeckState.ACCEPTED));
      assertEquals(1, webhooks.stats().dropped(), "close() closed the notifier it built");
    } finally {
      mail.stop();
    }
  }

  @Test
  void theTurnstileSiteKey_isPublic_optional_andIndependentOfTheSecret() {
    try (HostServices none = HostServices.fromEnvironment(Map.<String, String>of()::get, devOut)) {
      assertTrue(none.turnstileSiteKey().isEmpty());
    }
    // a site key alone: published (the page shows the widget), the check still fails closed without the secret
    try (HostServices h = HostServices.fromEnvironment(Map.of(TurnstileHumanCheck.SITE_KEY_ENV, " 1x00000000000000000000AA ")::get, devOut)) {
      assertEquals(java.util.Optional.of("1x00000000000000000000AA"), h.turnstileSiteKey());
      assertFalse(h.humanCheck().verify("any-token", "203.0.113.7"));
      String summary = String.join("\n", h.summary());
      assertTrue(summary.contains("1x00000000000000000000AA") && summary.contains(TurnstileHumanCheck.SECRET_ENV), summary);
    }
    // the secret alone: a Turnstile check, no site key to publish (and the summary says how to add one)
    try (HostServices h = HostServices.fromEnvironment(Map.of(TurnstileHumanCheck.SECRET_ENV, "0x-secret-not-in-summary")::get, devOut)) {
      assertTrue(h.turnstileSiteKey().isEmpty());
      assertTrue(h.humanCheck() instanceof TurnstileHumanCheck);
      String summary = String.join("\n", h.summary());
      assertTrue(summary.contains(TurnstileHumanCheck.SITE_KEY_ENV), summary);
      assertFalse(summary.contains("0x-secret-not-in-summary"), summary);
    }
    for (String bad : new String[] {"a b", "k\u00e9y", "x".repeat(65), "key;script-src *"}) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> HostServices.fromEnvironment(Map.of(TurnstileHumanCheck.SITE_KEY_ENV, bad)::get, devOut));
      assertTrue(e.getMessage().contains(TurnstileHumanCheck.SITE_KEY_ENV), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> HostServices.builder().turnstileSiteKey(bad));
    }
  }

  @Test
  void aNotifierTheCallerGives_isNotClosed() throws Exception {
    try (WebhookReceiver hooks = new WebhookReceiver();
        WebhookPeckNotifier mine =
            WebhookPeckNotifier.builder()
                .endpoint(hooks.url("/mine"), WebhookSecret.generate(new java.security.SecureRandom()))
                .build()) {
      HostServices h = HostServices.builder().peckNotifier(mine).humanCheck((t, s) -> false).build();
      h.close();
      assertSame(mine, h.peckNotifier());
      mine.onTransition(WebhookPeckNotifierTest.peck(PeckState.REQUESTED));
      assertEquals("/mine", hooks.next().path());
      assertEquals(0, mine.stats().dropped());
    }
  }
}
