package io.spaceduck.server.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.core.DevelopmentKek;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three parts behind a real engine: hatch through Turnstile and email, pecks out as webhooks. */
class EngineWiringTest {
  private static final Pattern CODE = Pattern.compile("\r\n {4}(\\S+)\r\n");
  private static final String WHSEC = "whsec_" + Base64.getEncoder().encodeToString(new byte[] {
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});

  @TempDir Path dir;

  @Test
  @org.junit.jupiter.api.Tag("H1")
  @org.junit.jupiter.api.Tag("H2")
  @org.junit.jupiter.api.Tag("P3")
  void hatchByTurnstileAndEmail_thenPecksAsSignedWebhooks() throws Exception {
    GreenMail mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
    mail.start();
    try (TurnstileStub turnstile = new TurnstileStub();
        WebhookReceiver hooks = new WebhookReceiver();
        HostServices hosts =
            HostServices.builder()
                .humanCheck(TurnstileHumanCheck.builder().secret(TurnstileStub.SECRET).endpoint(turnstile.url()).build())
                .verificationDelivery(
                    SmtpVerificationDelivery.builder()
                        .host("127.0.0.1")
                        .port(mail.getSmtp().getPort())
                        .from("no-reply@spaceduck.example")
                        .tls(SmtpVerificationDelivery.Tls.NONE)
                        .heloName("engine-wiring.localhost")
                        .build())
                .webhooks(WebhookPeckNotifier.builder().endpoint(hooks.url("/pecks"), WebhookSecret.parse(WHSEC)).workers(1).build())
                .build();
        SpaceDuck duck =
            SpaceDuck.builder()
                .storageUri("memory:")
                .kek(DevelopmentKek.fromFile(dir.resolve("dev-kek.json")))
                .humanCheck(hosts.humanCheck())
                .verificationDelivery(hosts.verificationDelivery())
                .peckNotifier(hosts.peckNotifier())
                .build()) {
      HatchResult admin = duck.admin().bootstrap("Ada", Email.of("ada@example.org")); // on the empty store
      BeakKey adminKey = admin.key().key();

      // H1: a token Turnstile does not vouch for is refused before anything is sent
      assertThrows(
          Rejected.class,
          () -> duck.hatching().start(new HatchRequest("Olive", Email.of("olive@example.com"), "forged", "203.0.113.7")));
      assertEquals(0, mail.getReceivedMessages().length);

      // H2: the code travels by email and completes the hatch
      HatchTicket ticket =
          duck.hatching()
              .start(new HatchRequest("Olive", Email.of("olive@example.com"), turnstile.issue("human-1"), "203.0.113.7"));
      assertTrue(mail.waitForIncomingEmail(10_000, 1));
      Matcher m = CODE.matcher((String) mail.getReceivedMessages()[0].getContent());
      assertTrue(m.find());
      HatchResult olive = duck.hatching().complete(ticket.id(), VerificationCode.of(m.group(1)));

      // P3: every transition reaches the receiver, signed, with the peck's ids
      duck.identities().promote(adminKey, olive.duckling().id(), Tier.T2);
      BondResult scout = duck.bonds().bond(olive.key().key(), "scout", Tier.T1);
      BondResult peer = duck.bonds().bond(adminKey, "peer", Tier.T1);
      Peck p = duck.pecks().request(scout.key().key(), PeckRequest.of(peer.certificate().id(), Set.of("chat"), Duration.ofHours(1)));
      duck.pecks().accept(peer.key().key(), p.id());
      duck.pecks().approve(adminKey, p.id());

      Set<String> types = new HashSet<>();
      ObjectMapper json = new ObjectMapper();
      for (int i = 0; i < 3; i++) {
        WebhookReceiver.Received r = hooks.next();
        assertTrue(WebhookPeckNotifierTest.verifies(WHSEC, r, Instant.now(), Duration.ofMinutes(5)));
        JsonNode event = json.readTree(r.body());
        types.add(event.get("type").textValue());
        assertEquals(p.id().value(), event.get("data").get("peck_id").textValue());
        assertEquals(scout.agent().id().value(), event.get("data").get("requester").textValue());
        assertEquals(peer.agent().id().value(), event.get("data").get("target").textValue());
      }
      assertEquals(Set.of("peck.requested", "peck.accepted", "peck.approved"), types);
    } finally {
      mail.stop();
    }
  }
}
