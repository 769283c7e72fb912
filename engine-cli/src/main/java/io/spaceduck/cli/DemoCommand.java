package io.spaceduck.cli;

import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.IssuedSession;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.Principal;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.Session;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.SpaceDuckException;
import io.spaceduck.api.StaleAgent;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.core.OfflineCertificateVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code duck demo}: the whole engine in one narrated run — hatching, promotion, bonds, key rotation
 * and revocation, a full peck with session tokens, pulses and a stale listing, a block, a deletion
 * request, and the audit chain verified at the end. On a fresh temporary store (deleted afterwards)
 * unless {@code --store} names one; every run uses fresh names and emails, so it repeats on one
 * store.
 */
@Command(
    name = "demo",
    description = {
      "Run the whole engine once, narrated, on a temporary store.",
      "Hatches two operators, promotes one, bonds agents, rotates and revokes keys, runs a full peck",
      "with session tokens, pulses and a stale listing, a block and a deletion request, then verifies",
      "the audit chain. Uses a fresh temporary store unless --store is given ($SPACEDUCK_STORE is",
      "ignored here); on an initialised store it needs the admin key.",
    })
final class DemoCommand extends Base implements Callable<Integer> {
  private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

  @Option(names = "--keep", description = "keep the temporary store and print where it is")
  boolean keep;

  private PrintWriter say;
  private int step;

  @Override
  public Integer call() {
    say = json() ? err() : out();
    boolean temporary = root().store == null;
    Path tempDir = null;
    StoreChoice choice;
    if (temporary) {
      try {
        tempDir = Files.createTempDirectory("spaceduck-demo-");
      } catch (IOException e) {
        throw CliException.config("cannot create a temporary directory for the demo store", e);
      }
      Path file = tempDir.resolve("demo.db");
      Path kek = root().kekFile != null ? ctx().resolve(root().kekFile.toString()) : tempDir.resolve("demo.db" + StoreChoice.KEK_SUFFIX);
      choice = new StoreChoice("mapdb:" + file, file, kek, false);
    } else {
      choice = root().storeChoice();
    }
    @Nullable BeakKey given = SecretIo.hasCallerKey(ctx(), root().keyFile) ? callerKey() : null;
    Map<HatchId, String> outbox = new ConcurrentHashMap<>();
    int code;
    try (SpaceDuck duck = root().open(choice, (token, source) -> true,
        (email, hatch, c, expires) -> outbox.put(hatch, c.reveal()), b -> {}, true, true)) {
      code = run(duck, choice, temporary, given, outbox);
    } finally {
      if (tempDir != null && !keep) {
        deleteTree(tempDir);
      }
    }
    if (tempDir != null && keep) {
      err().println("duck: the demo store is kept: --store " + choice.file() + " --kek-file " + choice.kekFile());
    }
    return code;
  }

  private int run(SpaceDuck duck, StoreChoice choice, boolean temporary, @Nullable BeakKey given, Map<HatchId, String> outbox) {
    String tag = tag();
    say.println("Space Duck demo, run " + tag + " on " + (temporary ? "a temporary store " : "the store ") + choice.describe());
    say.println();

    // 1. the admin
    section("Mission Control");
    BeakKey admin;
    String newAdminKey = null;
    if (given != null) {
      Principal p = duck.authenticate(given);
      if (!Render.isAdmin(p)) {
        throw CliException.exit(ExitCodes.FORBIDDEN, "forbidden: the demo on an initialised store needs its admin key");
      }
      admin = given;
      line("using the admin " + p.id().value() + " of this store");
    } else {
      HatchResult boot;
      try {
        boot = duck.admin().bootstrap("Mission Control", Email.of("mission-control." + tag + "@example.org"));
      } catch (Rejected alreadyInitialised) {
        throw CliException.usage(
            "this store is already initialised: run the demo with its admin key in " + SecretIo.KEY_ENV + " or --key-file");
      }
      admin = boot.key().key();
      line("bootstrap: admin " + boot.duckling().id().value() + " \"Mission Control\", " + Render.tier(boot.duckling().tier())
          + " with the admin role; certificate " + boot.certificate().id().value());
      if (!temporary) {
        newAdminKey = admin.reveal();
      }
    }

    // 2. hatching
    section("Hatching (H1-H3)");
    HatchResult ada = hatch(duck, outbox, "Ada " + tag, "ada." + tag + "@example.org");
    HatchResult grace = hatch(duck, outbox, "Grace " + tag, "grace." + tag + "@example.org");
    BeakKey adaKey = ada.key().key();
    BeakKey graceKey = grace.key().key();

    // 3. promotion
    section("Promotion (T1 -> T2 is never automatic)");
    BirthCertificate adaT2 = duck.identities().promote(admin, ada.duckling().id(), Tier.T2);
    line("the admin promotes " + name(ada) + " to " + Render.tier(Tier.T2) + ": new certificate " + adaT2.id().value()
        + " supersedes " + adaT2.supersedes().map(c -> c.value()).orElse("-") + " (C3)");
    refused(name(grace) + " (still T1) tries to bond an agent", () -> duck.bonds().bond(graceKey, "stowaway-" + tag, Tier.T1),
        "audited as denied (A1)");

    // 4. bonds
    section("Bonds (B1)");
    BondResult scout = bond(duck, adaKey, name(ada), "scout-" + tag, Tier.T1);
    BondResult courier = bond(duck, adaKey, name(ada), "courier-" + tag, Tier.T0);
    BondResult beacon = bond(duck, admin, "the admin", "beacon-" + tag, Tier.T1);
    BirthCertificate checked =
        OfflineCertificateVerifier.fromJwks(duck.certificates().publicJwks()).verify(scout.certificate().jws());
    line("scout's certificate verifies offline against the public JWK set (C2): " + checked.id().value() + ", "
        + checked.tier().name() + ", operator " + checked.operator().map(o -> o.value()).orElse("-"));

    // 5. rotation
    section("Key rotation (K3)");
    BeakKey scoutOld = scout.key().key();
    IssuedKey rotated = duck.keys().rotate(adaKey, scout.key().info().id());
    BeakKey scoutKey = rotated.key();
    KeyInfo old = duck.keys().list(adaKey, scout.agent().id()).stream()
        .filter(k -> k.id().equals(scout.key().info().id())).findFirst().orElseThrow();
    duck.authenticate(scoutOld);
    line(name(ada) + " rotates scout's key " + scout.key().info().id().value() + " -> " + rotated.info().id().value()
        + "; the old key still works until " + old.graceUntil().map(Render::time).orElse("-") + " (grace period)");

    // 6. revocation
    section("Key revocation (K4)");
    duck.keys().revoke(adaKey, courier.key().info().id(), ReasonCode.COMPROMISED);
    line(name(ada) + " revokes courier's key " + courier.key().info().id().value() + " (reason compromised)");
    refused("courier's very next call", () -> duck.authenticate(courier.key().key()), "revocation is immediate");

    // 7. the peck
    section("Peck Protocol (P1-P5)");
    Peck peck = duck.pecks().request(beacon.key().key(),
        PeckRequest.of(scout.certificate().id(), Set.of("telemetry:read"), Duration.ofHours(1)));
    line("beacon asks scout for a peck (scope telemetry:read, 1h): " + peck.id().value() + " " + Render.lower(peck.state()));
    List<Peck> inbox = duck.pecks().inbox(scoutKey, Optional.empty(), 10);
    line("scout's inbox holds " + inbox.size() + " request(s); scout accepts: "
        + Render.lower(duck.pecks().accept(scoutKey, peck.id()).state()));
    refused("the admin, operator of the requesting side, tries to approve", () -> duck.pecks().approve(admin, peck.id()),
        "no self-approval (P4, I2)");
    Peck active = duck.pecks().approve(adaKey, peck.id());
    line(name(ada) + ", scout's operator, approves: " + Render.lower(active.state()) + " until "
        + active.sessionExpiresAt().map(Render::time).orElse("-"));
    IssuedSession scoutSession = duck.pecks().session(scoutKey, peck.id());
    IssuedSession beaconSession = duck.pecks().session(beacon.key().key(), peck.id());
    Session verified = duck.pecks().verifySession(scoutSession.token());
    duck.pecks().verifySession(beaconSession.token());
    line("each agent gets its own signed session token (never stored; neither learns the other's key); scout's verifies: "
        + verified.subject().value() + " with " + verified.peer().value() + ", scope " + String.join(",", verified.scope()));
    Peck closed = duck.pecks().close(beacon.key().key(), peck.id(), ReasonCode.NO_LONGER_NEEDED);
    line("beacon closes the peck: " + Render.lower(closed.state()));
    refused("scout's session token after the close", () -> duck.pecks().verifySession(scoutSession.token()),
        "online verification fails at once (P5)");

    // 8. pulses
    section("Pulses (U1, U2)");
    duck.pulses().pulse(scoutKey, "ok: 3 tasks queued");
    duck.pulses().pulse(beacon.key().key(), "ok");
    line("scout and beacon pulse (operational data: cheap, not audited)");
    List<StaleAgent> stale = duck.pulses().stale(adaKey);
    line(name(ada) + "'s stale listing (no pulse for 5 min): "
        + (stale.isEmpty() ? "none" : String.join(", ", stale.stream().map(s -> s.agent().value()
            + (s.agent().equals(courier.agent().id()) ? " (courier)" : "")
            + s.lastPulse().map(p -> " last pulse " + p.at()).orElse(" never pulsed")).toList())));

    // 9. a block
    section("Blocks");
    duck.blocks().block(adaKey, beacon.agent().id(), ReasonCode.POLICY_VIOLATION);
    line(name(ada) + " puts beacon on her block list (reason policy_violation)");
    refused("beacon asks scout for a new peck", () -> duck.pecks().request(beacon.key().key(),
        PeckRequest.of(scout.certificate().id(), Set.of("telemetry:read"), Duration.ofHours(1))), "P2");

    // 10. deletion
    section("Deletion request (D1)");
    Duckling deleted = duck.identities().requestDeletion(graceKey, grace.duckling().id(), ReasonCode.DELETION_REQUEST);
    line(name(grace) + " asks for her deletion: " + deleted.id().value() + " is " + Render.lower(deleted.status())
        + ", her email erased, her keys revoked; her certificates and audit events stay");
    refused(name(grace) + "'s key afterwards", () -> duck.authenticate(graceKey), "I3");

    // 11. the audit chain
    section("Audit chain (A3)");
    AuditVerification v = duck.audit().verify(admin);
    if (newAdminKey != null && !json()) {
      say.println();
      say.println("admin key of this store (shown once; run the demo on it again with it in " + SecretIo.KEY_ENV
          + " or --key-file): " + newAdminKey);
    }
    say.println();
    if (!v.valid()) {
      throw CliException.exit(ExitCodes.AUDIT_BROKEN, "audit chain broken at seq " + v.firstBrokenSeq().getAsLong()
          + v.problem().map(p -> ": " + p).orElse(""));
    }
    String head = v.head().map(h -> h.hash().hex()).orElse("none");
    say.println("verified " + v.eventsVerified() + " events, head " + head);
    if (json()) {
      Json summary = Json.obj().put("run", tag).put("store", choice.describe()).put("temporary", temporary)
          .put("ducklings", List.of(ada.duckling().id().value(), grace.duckling().id().value()))
          .put("agents", List.of(scout.agent().id().value(), courier.agent().id().value(), beacon.agent().id().value()))
          .put("peck_id", peck.id().value()).put("valid", true).put("events_verified", v.eventsVerified())
          .put("head_seq", v.head().map(AuditHead::seq)).put("head", head);
      if (newAdminKey != null) {
        summary.put("admin_key", newAdminKey);
      }
      out().println(summary);
    }
    return ExitCodes.OK;
  }

  private HatchResult hatch(SpaceDuck duck, Map<HatchId, String> outbox, String name, String email) {
    HatchTicket t = duck.hatching().start(new HatchRequest(name, Email.of(email), "demo", "duck-demo"));
    String code = outbox.remove(t.id());
    if (code == null) {
      throw new IllegalStateException("the demo's delivery received no code");
    }
    HatchResult r = duck.hatching().complete(t.id(), VerificationCode.of(code));
    line(name + " starts a hatch " + t.id().value() + ", receives the 6-digit code (email in production) and completes it: "
        + r.duckling().id().value() + " at " + Render.tier(r.duckling().tier()) + ", first key " + r.key().info().id().value());
    return r;
  }

  private BondResult bond(SpaceDuck duck, BeakKey operator, String operatorName, String agentName, Tier tier) {
    BondResult r = duck.bonds().bond(operator, agentName, tier);
    line(operatorName + " bonds " + agentName + ": " + r.agent().id().value() + " at " + Render.tier(tier) + ", certificate "
        + r.certificate().id().value() + ", key " + r.key().info().id().value());
    return r;
  }

  private void refused(String what, Runnable call, String rule) {
    try {
      call.run();
    } catch (SpaceDuckException e) {
      line(what + ": refused, " + e.code().code() + " (" + e.getMessage() + "); " + rule);
      return;
    }
    throw new IllegalStateException("the demo expected a refusal: " + what);
  }

  private void section(String title) {
    step++;
    say.println(step + ". " + title);
  }

  private void line(String text) {
    say.println("   " + text);
  }

  private static String name(HatchResult r) {
    return r.duckling().displayName();
  }

  private static String tag() {
    SecureRandom r = new SecureRandom();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      sb.append(BASE32.charAt(r.nextInt(BASE32.length())));
    }
    return sb.toString();
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      // a leftover temporary directory is harmless
    }
  }
}
