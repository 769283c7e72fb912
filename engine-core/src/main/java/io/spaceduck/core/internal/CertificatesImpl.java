package io.spaceduck.core.internal;

import io.spaceduck.api.Agent;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.CertId;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.Certificates;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.NotFound;
import io.spaceduck.api.Permission;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Birth certificates (C1–C5). */
final class CertificatesImpl implements Certificates {
  static final int MAX_TOKEN = 8192;
  private final Core core;

  CertificatesImpl(Core core) {
    this.core = core;
  }

  @Override
  public CertificateView get(BeakKey caller, CertId id) {
    Objects.requireNonNull(id, "id");
    return core.governance.read(caller, Permission.LOOKUP_CERT, a -> view(id));
  }

  private CertificateView view(CertId id) {
    BirthCertificate c =
        core.storage.get(Tables.CERTIFICATES, id.value()).map(Versioned::value).orElseThrow(() -> new NotFound("no such certificate"));
    return view(c, core.storage.get(Tables.IDENTITIES, c.subject().value()).map(Versioned::value));
  }

  /**
   * The status of {@code c} given its subject's record (see {@link CertStatus}): superseded unless it
   * is the subject's current certificate, else the subject's standing — its deletion, its agent bond's
   * revocation, its block — read now, so a lookup never calls a revoked subject's certificate current.
   */
  private CertificateView view(BirthCertificate c, Optional<Identity> subject) {
    if (subject.isEmpty() || !subject.get().currentCert().equals(c.id())) {
      return new CertificateView(c, CertStatus.SUPERSEDED);
    }
    Identity i = subject.get();
    CertStatus status;
    if (i.status() == IdentityStatus.DELETED) {
      status = CertStatus.DELETED;
    } else if (i instanceof Agent a && !bondActive(a)) {
      status = CertStatus.REVOKED;
    } else if (i.status() == IdentityStatus.BLOCKED) {
      status = CertStatus.BLOCKED;
    } else {
      status = CertStatus.CURRENT;
    }
    return new CertificateView(c, status);
  }

  private boolean bondActive(Agent a) {
    return core.storage.get(Tables.BONDS, a.bond().value()).map(b -> b.value().status() == BondStatus.ACTIVE).orElse(false);
  }

  @Override
  public List<CertificateView> history(BeakKey caller, IdentityId subject) {
    Objects.requireNonNull(subject, "subject");
    return core.governance.read(
        caller,
        Permission.LOOKUP_CERT,
        a -> {
          Optional<Identity> current = core.storage.get(Tables.IDENTITIES, subject.value()).map(Versioned::value);
          List<BirthCertificate> certs = new ArrayList<>();
          core.storage.findBy(Tables.CERTIFICATES_BY_SUBJECT, subject.value()).forEach(v -> certs.add(v.value()));
          // oldest first: follow the supersedes chain from the root (timestamps have second precision)
          Map<String, BirthCertificate> bySupersedes = new HashMap<>();
          BirthCertificate root = null;
          for (BirthCertificate c : certs) {
            if (c.supersedes().isPresent()) {
              bySupersedes.put(c.supersedes().get().value(), c);
            } else {
              root = c;
            }
          }
          List<CertificateView> out = new ArrayList<>();
          for (BirthCertificate c = root; c != null; c = bySupersedes.remove(c.id().value())) {
            out.add(view(c, current));
          }
          bySupersedes.values().stream()
              .sorted(Comparator.comparing(BirthCertificate::issuedAt))
              .forEach(c -> out.add(view(c, current)));
          return out;
        });
  }

  @Override
  public String renderHtml(BeakKey caller, CertId id) {
    return CertificateCard.render(get(caller, id));
  }

  @Override
  public String publicJwks() {
    return core.failClosed.guard(() -> core.keysets.signing().jwks());
  }

  @Override
  public BirthCertificate verify(String jws) {
    Objects.requireNonNull(jws, "jws");
    if (jws.length() > MAX_TOKEN) {
      throw new InvalidInput("certificate", "at most " + MAX_TOKEN + " characters");
    }
    try {
      return CertificateTokens.verify(core.failClosed.guard(() -> core.keysets.signing()).verifier(), jws);
    } catch (GeneralSecurityException | RuntimeException e) {
      if (e instanceof io.spaceduck.api.SpaceDuckException s) {
        throw s;
      }
      throw new InvalidInput("certificate", "not a valid certificate of this engine");
    }
  }
}
