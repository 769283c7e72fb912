package io.spaceduck.core.internal;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.CertId;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.Certificates;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
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
    return core.read(caller, Permission.LOOKUP_CERT, a -> view(id));
  }

  private CertificateView view(CertId id) {
    BirthCertificate c =
        core.storage.get(Tables.CERTIFICATES, id.value()).map(Versioned::value).orElseThrow(() -> new NotFound("no such certificate"));
    boolean current =
        core.storage.get(Tables.IDENTITIES, c.subject().value()).map(i -> i.value().currentCert().equals(id)).orElse(false);
    return new CertificateView(c, current ? CertStatus.CURRENT : CertStatus.SUPERSEDED);
  }

  @Override
  public List<CertificateView> history(BeakKey caller, IdentityId subject) {
    Objects.requireNonNull(subject, "subject");
    return core.read(
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

  private static CertificateView view(BirthCertificate c, Optional<Identity> subject) {
    boolean isCurrent = subject.map(i -> i.currentCert().equals(c.id())).orElse(false);
    return new CertificateView(c, isCurrent ? CertStatus.CURRENT : CertStatus.SUPERSEDED);
  }

  @Override
  public String renderHtml(BeakKey caller, CertId id) {
    return CertificateCard.render(get(caller, id));
  }

  @Override
  public String publicJwks() {
    return core.guard(() -> core.keysets.signing().jwks());
  }

  @Override
  public BirthCertificate verify(String jws) {
    Objects.requireNonNull(jws, "jws");
    if (jws.length() > MAX_TOKEN) {
      throw new InvalidInput("certificate", "at most " + MAX_TOKEN + " characters");
    }
    try {
      return CertificateTokens.verify(core.guard(() -> core.keysets.signing()).verifier(), jws);
    } catch (GeneralSecurityException | RuntimeException e) {
      if (e instanceof io.spaceduck.api.SpaceDuckException s) {
        throw s;
      }
      throw new InvalidInput("certificate", "not a valid certificate of this engine");
    }
  }
}
