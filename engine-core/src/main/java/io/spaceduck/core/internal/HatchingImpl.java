package io.spaceduck.core.internal;

import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.HatchRequest;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.HatchTicket;
import io.spaceduck.api.Hatching;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.IssuedKey;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.Role;
import io.spaceduck.api.Tier;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.PendingHatch;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.Versioned;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Hatching (H1–H5) and the duckling creation it shares with the admin bootstrap. */
final class HatchingImpl implements Hatching {
  private static final Logger log = LoggerFactory.getLogger(HatchingImpl.class);
  private static final int MAX_SOURCE = 256;
  static final int MAX_CHALLENGE_TOKEN = 4096;
  private final Core core;

  HatchingImpl(Core core) {
    this.core = core;
  }

  @Override
  public HatchTicket start(HatchRequest request) {
    Objects.requireNonNull(request, "request");
    if (request.challengeToken().length() > MAX_CHALLENGE_TOKEN) {
      // no challenge token is this long (Turnstile's are at most 2048): a failed challenge, refused
      // as generically as any other (H1), before the host's check sees an unbounded string
      throw new Rejected(Rejected.HATCH_MESSAGE);
    }
    boolean human;
    try {
      human = core.config.humanCheck().verify(request.challengeToken(), request.source());
    } catch (RuntimeException e) {
      log.warn("human check failed with {}", e.getClass().getSimpleName());
      human = false;
    }
    if (!human) {
      throw new Rejected(Rejected.HATCH_MESSAGE); // bots fail silently (H1)
    }
    if (request.source().isEmpty() || request.source().length() > MAX_SOURCE) {
      throw new InvalidInput("source", "1 to " + MAX_SOURCE + " characters");
    }
    core.rateLimiter.acquire("hatch:" + request.source(), core.config.rateLimits().hatchPerSource());
    String name = Inputs.name("display_name", request.displayName());
    String email = Inputs.email(request.email());
    HatchId id = core.randoms.hatchId();
    String code = core.randoms.sixDigitCode();
    Instant now = core.now();
    Instant expires = now.plus(core.config.hatchCodeTtl());
    PendingHatch pending =
        new PendingHatch(
            id,
            name,
            Bytes.wrap(core.secrets.encryptEmail(email, hatchContext(id))),
            Optional.of(core.secrets.blindIndex(email)), // lets a deletion request (D1) find and end this hatch
            Bytes.wrap(core.secrets.mac(codeInput(id, code))),
            now,
            expires,
            0,
            false);
    core.failClosed.guard(
        () ->
            core.storage.execute(
                tx -> {
                  tx.insert(Tables.HATCHES, pending);
                  return null;
                }));
    try {
      core.config.verificationDelivery().deliver(Email.of(email), id, VerificationCode.of(code), expires);
    } catch (RuntimeException e) {
      log.warn("verification delivery failed for hatch {} with {}", id, e.getClass().getSimpleName());
      throw new Rejected(Rejected.HATCH_MESSAGE);
    }
    return new HatchTicket(id, expires);
  }

  private static String hatchContext(HatchId id) {
    return "hatch:" + id.value();
  }

  private static byte[] codeInput(HatchId id, String code) {
    return ("hatch-code/v1|" + id.value() + "|" + code).getBytes(StandardCharsets.UTF_8);
  }

  private sealed interface Outcome permits Done, Refused {}

  private record Done(HatchResult result) implements Outcome {}

  private record Refused() implements Outcome {}

  @Override
  public HatchResult complete(HatchId hatch, VerificationCode code) {
    Objects.requireNonNull(hatch, "hatch");
    Objects.requireNonNull(code, "code");
    String typed = code.reveal().strip();
    for (int attempt = 1; ; attempt++) {
      Outcome outcome;
      try {
        outcome = core.failClosed.guard(() -> core.storage.execute(tx -> completeUnit(tx, hatch, typed)));
      } catch (StorageConflictException e) {
        if (attempt >= 8) {
          throw new Rejected(Rejected.HATCH_MESSAGE);
        }
        continue;
      }
      if (outcome instanceof Done d) {
        return d.result();
      }
      throw new Rejected(Rejected.HATCH_MESSAGE);
    }
  }

  private Outcome completeUnit(Transaction tx, HatchId id, String typed) {
    Optional<Versioned<PendingHatch>> row = tx.get(Tables.HATCHES, id.value());
    if (row.isEmpty()) {
      return new Refused();
    }
    PendingHatch h = row.get().value();
    Instant now = core.now();
    int max = core.config.hatchMaxAttempts();
    if (h.endedAt(now, max)) {
      // dead: consumed, expired or out of attempts (H3). The row (and its encrypted email) goes in
      // this unit, committed though the call fails: a hatch's email never outlives the hatch (D1)
      tx.delete(Tables.HATCHES, row.get());
      return new Refused();
    }
    try {
      core.keysets.mac().verifyMac(h.codeMac().toByteArray(), codeInput(id, typed)); // constant-time
    } catch (GeneralSecurityException wrong) {
      PendingHatch counted = h.withFailedAttempt();
      if (counted.failedAttempts() >= max) {
        tx.delete(Tables.HATCHES, row.get()); // the last attempt ends the hatch, and its email with it
      } else {
        tx.update(Tables.HATCHES, row.get(), counted); // committed, though the call fails
      }
      return new Refused();
    }
    // consumed: the row goes in the completing unit, also when the email has hatched already (H4)
    tx.delete(Tables.HATCHES, row.get());
    String email = core.secrets.decryptEmail(h.encryptedEmail(), hatchContext(id));
    Optional<HatchResult> created =
        createDuckling(tx, h.displayName(), email, Tier.T1, Set.of(), now, AuditAction.HATCH_COMPLETED);
    return created.<Outcome>map(Done::new).orElseGet(Refused::new);
  }

  /** Hatches deleted per unit by {@link #sweepExpired}: one commit for many, a bounded unit. */
  private static final int SWEEP_BATCH = 100;

  /**
   * Deletes every hatch that has ended by the injected clock's {@code now} — expired, out of attempts,
   * or consumed by an engine older than this rule — with its encrypted email, in units of up to {@value
   * #SWEEP_BATCH} rows that re-read each row. A row a concurrent completion attempt changed is left to
   * that attempt (which deletes an ended hatch itself) or to the next sweep.
   */
  @Override
  public int sweepExpired() {
    Instant now = core.now();
    int max = core.config.hatchMaxAttempts();
    List<String> due =
        core.failClosed.guard(() -> core.storage.findBy(Tables.HATCHES_BY_PENDING, Tables.PENDING)).stream()
            .filter(v -> v.value().endedAt(now, max))
            .map(v -> v.value().id().value())
            .toList();
    int deleted = 0;
    for (int from = 0; from < due.size(); from += SWEEP_BATCH) {
      List<String> batch = due.subList(from, Math.min(due.size(), from + SWEEP_BATCH));
      try {
        deleted +=
            core.failClosed.guard(
                () ->
                    core.storage.execute(
                        tx -> {
                          int n = 0;
                          for (String id : batch) {
                            Optional<Versioned<PendingHatch>> row = tx.get(Tables.HATCHES, id);
                            if (row.isPresent() && row.get().value().endedAt(now, max)) {
                              tx.delete(Tables.HATCHES, row.get());
                              n++;
                            }
                          }
                          return n;
                        }));
      } catch (StorageConflictException raced) {
        // a completion attempt touched one of them: it deletes an ended hatch itself, or the next sweep does
      }
    }
    return deleted;
  }

  /**
   * Creates a duckling with contact, certificate, first key and its audit event in {@code tx}; empty
   * (and nothing written but what the caller wrote) if the email has hatched already (H4).
   */
  Optional<HatchResult> createDuckling(
      Transaction tx, String name, String email, Tier tier, Set<Role> roles, Instant now, AuditAction action) {
    String blind = core.secrets.blindIndex(email);
    if (!tx.findBy(Tables.CONTACTS_BY_BLIND_INDEX, blind).isEmpty()) {
      return Optional.empty();
    }
    DucklingId id = core.randoms.ducklingId();
    CertId certId = core.randoms.certId();
    Duckling duckling = new Duckling(id, name, tier, roles, IdentityStatus.ACTIVE, now, certId);
    tx.insert(Tables.IDENTITIES, duckling);
    tx.insert(
        Tables.CONTACTS,
        new ContactRecord(id, Optional.of(blind), Optional.of(Bytes.wrap(core.secrets.encryptEmail(email, "contact:" + id.value())))));
    BirthCertificate cert =
        core.issuer.issueCertificate(tx, certId, id, name, tier, Optional.empty(), Optional.empty(), now);
    IssuedKey key = core.issuer.issueKey(tx, id, Optional.empty(), now);
    tx.appendAudit(
        AuditDraft.of(
            action.code(),
            id.value(),
            id.value(),
            Optional.of(id.value()),
            now,
            core.version,
            ReasonCode.NONE,
            AuditOutcome.SUCCESS,
            Map.of("cert_id", certId.value(), "key_id", key.info().id().value(), "tier", tier.name())));
    return Optional.of(new HatchResult(duckling, cert, key));
  }
}
