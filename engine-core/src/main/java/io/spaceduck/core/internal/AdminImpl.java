package io.spaceduck.core.internal;

import io.spaceduck.api.Admin;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Permission;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Rejected;
import io.spaceduck.api.Role;
import io.spaceduck.api.Tier;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.StorageConflictException;
import io.spaceduck.storage.Tables;
import io.spaceduck.api.Agent;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.Feature;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.SigningKey;
import io.spaceduck.storage.Versioned;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one-time admin bootstrap and signing-key management (C2): add, promote, retire, and re-issue
 * the certificates a retiring key signed ({@code docs/keys.md}).
 */
final class AdminImpl implements Admin {
  static final String BOOTSTRAP_MARKER = "bootstrap";
  private static final Pattern KID = Pattern.compile("[A-Za-z0-9_-]{6}");
  private static final int AUDIT_PAGE = 1000;
  private final Core core;
  private final HatchingImpl hatching;

  AdminImpl(Core core, HatchingImpl hatching) {
    this.core = core;
    this.hatching = hatching;
  }

  @Override
  public HatchResult bootstrap(String displayName, Email email) {
    Objects.requireNonNull(displayName, "displayName");
    Objects.requireNonNull(email, "email");
    String name = Inputs.name("display_name", displayName);
    String normalised = Inputs.email(email);
    for (int attempt = 1; attempt <= 8; attempt++) {
      if (core.failClosed.guard(() -> core.storage.auditHead()).isPresent()) {
        throw new Rejected("the store is not empty: bootstrap runs once, on an empty store");
      }
      Instant now = core.now();
      try {
        Optional<HatchResult> r =
            core.failClosed.guard(
                () ->
                    core.storage.execute(
                        tx -> {
                          if (tx.get(Tables.META, BOOTSTRAP_MARKER).isPresent()) {
                            return Optional.<HatchResult>empty();
                          }
                          tx.insert(Tables.META, new MetaRecord(BOOTSTRAP_MARKER, now.toString()));
                          return hatching.createDuckling(
                              tx, name, normalised, Tier.T2, Set.of(Role.ADMIN), now, AuditAction.ADMIN_BOOTSTRAPPED);
                        }));
        return r.orElseThrow(() -> new Rejected("the store is already bootstrapped"));
      } catch (StorageConflictException raced) {
        // another engine bootstrapped at the same moment: the next round sees it and refuses
      }
    }
    throw new Rejected("the store is already bootstrapped");
  }

  @Override
  public String addSigningKey(BeakKey caller) {
    return core.governance.govern(
        caller,
        Permission.MANAGE_SIGNING_KEYS,
        AuditAction.SIGNING_KEY_ADDED,
        "signing_keyset",
        ctx -> {
          String kid = core.keysets.addSigningKey(ctx.tx);
          ctx.audit("signing_key:" + kid, Optional.empty(), ReasonCode.NONE, Map.of("kid", kid));
          return kid;
        });
  }

  @Override
  public void promoteSigningKey(BeakKey caller, String kid) {
    checkKid(kid);
    core.governance.govern(
        caller,
        Permission.MANAGE_SIGNING_KEYS,
        AuditAction.SIGNING_KEY_PROMOTED,
        "signing_key:" + kid,
        ctx -> {
          if (core.keysets.schedule(ctx.tx).containsKey(kid)) {
            throw ctx.deny("a retiring signing key cannot be promoted", "signing_key:" + kid, Optional.empty());
          }
          if (!core.keysets.promoteSigningKey(ctx.tx, kid)) {
            throw new NotFound("no signing key with this kid");
          }
          ctx.audit("signing_key:" + kid, Optional.empty(), ReasonCode.NONE, Map.of("kid", kid));
          return null;
        });
  }

  private static void checkKid(String kid) {
    Objects.requireNonNull(kid, "kid");
    if (!KID.matcher(kid).matches()) {
      throw new InvalidInput("kid", "6 base64url characters");
    }
  }

  @Override
  public List<SigningKey> signingKeys(BeakKey caller) {
    return core.governance.read(
        caller,
        Permission.MANAGE_SIGNING_KEYS,
        a -> {
          EngineKeysets.Signing s = core.keysets.signing();
          List<SigningKey> out = new ArrayList<>();
          out.add(new SigningKey(s.primaryKid(), SigningKey.State.PRIMARY, Optional.empty()));
          for (int i = 0; i < s.stored().size(); i++) {
            String kid = EngineKeysets.kidOf(s.stored().getAt(i).getId());
            if (kid.equals(s.primaryKid())) {
              continue;
            }
            Optional<Instant> at = Optional.ofNullable(s.schedule().get(kid));
            SigningKey.State state =
                s.pastDate().contains(kid) ? SigningKey.State.RETIRED
                    : at.isPresent() ? SigningKey.State.RETIRING : SigningKey.State.ACTIVE;
            out.add(new SigningKey(kid, state, at));
          }
          return List.copyOf(out);
        });
  }

  /** A re-run of a retirement whose count may be stale: the signing keyset moved meanwhile. */
  private static final class KeysetMoved extends RuntimeException {
    KeysetMoved() {
      super(null, null, false, false);
    }
  }

  @Override
  public SigningKey retireSigningKey(BeakKey caller, String kid, Instant notAfter) {
    checkKid(kid);
    Objects.requireNonNull(notAfter, "notAfter");
    for (int attempt = 1; ; attempt++) {
      // Count first, outside the unit (it reads the audit log), at a known keyset version; the unit
      // commits only if the keyset is still at that version. A certificate signed by this key can
      // only commit while the key is primary at the version its unit read (Issuer.issueCertificate), so
      // none can appear between the count and the commit.
      long version = core.failClosed.guard(() -> core.storage.get(Tables.KEYSETS, EngineKeysets.SIGNING)).orElseThrow().version();
      List<BirthCertificate> dependents = core.failClosed.guard(() -> currentCertificatesSignedBy(kid));
      try {
        return core.governance.govern(
            caller,
            Permission.MANAGE_SIGNING_KEYS,
            AuditAction.SIGNING_KEY_RETIRED,
            "signing_key:" + kid,
            ctx -> {
              Versioned<io.spaceduck.storage.KeysetRecord> row = ctx.tx.get(Tables.KEYSETS, EngineKeysets.SIGNING).orElseThrow();
              if (row.version() != version) {
                throw new KeysetMoved();
              }
              List<String> kids = core.keysets.storedKids(ctx.tx);
              if (!kids.contains(kid)) {
                throw new NotFound("no signing key with this kid");
              }
              if (kids.get(0).equals(kid)) {
                throw ctx.deny(
                    "the primary signing key cannot be retired; promote another key first", "signing_key:" + kid, Optional.empty());
              }
              boolean now = dependents.isEmpty() || !ctx.now.isBefore(notAfter);
              SigningKey result;
              if (now) {
                core.keysets.removeSigningKey(ctx.tx, kid);
                result = new SigningKey(kid, SigningKey.State.RETIRED, Optional.of(ctx.now));
              } else {
                core.keysets.scheduleRetirement(ctx.tx, kid, notAfter); // writes the keyset row at this version
                result = new SigningKey(kid, SigningKey.State.RETIRING, Optional.of(notAfter));
              }
              ctx.audit(
                  "signing_key:" + kid,
                  Optional.empty(),
                  ReasonCode.ROTATION,
                  Map.of(
                      "kid", kid,
                      "not_after", notAfter.toString(),
                      "current_certificates", Integer.toString(dependents.size()),
                      "removed", now ? "now" : "at_not_after"));
              return result;
            });
      } catch (KeysetMoved moved) {
        if (attempt >= 8) {
          throw new io.spaceduck.api.Conflict("the signing keyset kept changing; nothing was applied, retry");
        }
      }
    }
  }

  /** Skips a certificate that stopped being current (or its subject live) before its re-issue. */
  private static final class NoLongerCurrent extends RuntimeException {
    NoLongerCurrent() {
      super(null, null, false, false);
    }
  }

  @Override
  public int reissueCertificates(BeakKey caller, String kid) {
    checkKid(kid);
    Authenticator.Auth auth = core.authenticator.authenticate(caller);
    if (!core.policy.allows(Permission.MANAGE_SIGNING_KEYS, auth.principal())) {
      throw core.governance.auditDenied(auth, AuditAction.CERTIFICATE_REISSUED, "not permitted by policy",
          "signing_key:" + kid, Optional.empty());
    }
    List<BirthCertificate> todo = core.failClosed.guard(() -> currentCertificatesSignedBy(kid));
    int reissued = 0;
    for (BirthCertificate old : todo) {
      if (old.tier() == Tier.T3 && !core.config.enabled(Feature.T3_AUTOMATION)) {
        continue; // I7: no T3 certificate is issued while the feature is off
      }
      try {
        core.governance.govern(
            caller,
            Permission.MANAGE_SIGNING_KEYS,
            AuditAction.CERTIFICATE_REISSUED,
            old.subject().value(),
            ctx -> {
              Versioned<Identity> row =
                  ctx.tx.get(Tables.IDENTITIES, old.subject().value()).orElseThrow(NoLongerCurrent::new);
              Identity subject = row.value();
              if (!subject.currentCert().equals(old.id()) || !live(ctx.tx, subject)) {
                throw new NoLongerCurrent();
              }
              CertId next = core.randoms.certId();
              BirthCertificate cert =
                  core.issuer.issueCertificate(ctx.tx, next, subject.id(), old.displayName(), old.tier(), old.operator(),
                      Optional.of(old.id()), ctx.now);
              ctx.tx.update(Tables.IDENTITIES, row, withCert(subject, next));
              ctx.audit(
                  subject.id().value(),
                  Governance.scopeOf(subject),
                  ReasonCode.ROTATION,
                  Map.of("cert_id", cert.id().value(), "supersedes", old.id().value(), "kid", kid));
              return cert;
            });
        reissued++;
      } catch (NoLongerCurrent skipped) {
        // superseded, deleted or unbonded meanwhile: nothing to re-issue
      }
    }
    return reissued;
  }

  private static Identity withCert(Identity i, CertId cert) {
    return i instanceof Duckling d ? d.withTier(d.tier(), cert) : ((Agent) i).withTier(i.tier(), cert);
  }

  /** A subject whose certificate matters: not deleted, and for an agent, its bond active. */
  private static boolean live(io.spaceduck.storage.Transaction tx, Identity i) {
    if (i.status() == IdentityStatus.DELETED) {
      return false;
    }
    return !(i instanceof Agent a)
        || tx.get(Tables.BONDS, a.bond().value()).map(b -> b.value().status() == BondStatus.ACTIVE).orElse(false);
  }

  private boolean live(Identity i) {
    if (i.status() == IdentityStatus.DELETED) {
      return false;
    }
    return !(i instanceof Agent a)
        || core.storage.get(Tables.BONDS, a.bond().value()).map(b -> b.value().status() == BondStatus.ACTIVE).orElse(false);
  }

  /**
   * The current certificates of live subjects whose JWS names {@code kid}. Every certificate is
   * issued in a unit whose audit event names it ({@code cert_id}), so the audit log lists them all;
   * read page by page (an occasional admin operation, linear in the log).
   */
  private List<BirthCertificate> currentCertificatesSignedBy(String kid) {
    List<BirthCertificate> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    long from = 1;
    while (true) {
      List<AuditEvent> page = core.storage.auditRange(from, AUDIT_PAGE);
      for (AuditEvent e : page) {
        String certId = e.details().get("cert_id");
        if (certId == null || e.outcome() != AuditOutcome.SUCCESS || !seen.add(certId) || !CertId.isValid(certId)) {
          continue;
        }
        Optional<BirthCertificate> cert = core.storage.get(Tables.CERTIFICATES, certId).map(Versioned::value);
        if (cert.isEmpty() || !CertificateTokens.kidOf(cert.get().jws()).equals(Optional.of(kid))) {
          continue;
        }
        Optional<Identity> subject = core.storage.get(Tables.IDENTITIES, cert.get().subject().value()).map(Versioned::value);
        if (subject.isPresent() && subject.get().currentCert().equals(cert.get().id()) && live(subject.get())) {
          out.add(cert.get());
        }
      }
      if (page.size() < AUDIT_PAGE) {
        return out;
      }
      from = page.get(page.size() - 1).seq() + 1;
    }
  }
}
