package io.spaceduck.cli;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Bond;
import io.spaceduck.api.CertId;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityKind;
import io.spaceduck.api.Principal;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.Tier;
import io.spaceduck.core.OfflineCertificateVerifier;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duck cert list|show|verify}: birth certificates (C1–C5). */
@Command(name = "cert", description = "Birth certificates: list, show (fields, --jwt, --html), verify offline.")
final class CertCommand extends Group {
  @Command(
      name = "list",
      description = {
        "One line per certificate: <cert_id> <subject_id> <tier> <status>, oldest first per subject.",
        "Default subjects: the caller and the agents of its bonds.",
      })
  int list(
      @Parameters(paramLabel = "SUBJECT_ID", arity = "0..*", converter = Converters.Identity.class,
              description = "duckling or agent ids (default: the caller and its agents)")
          @Nullable List<IdentityId> subjects) {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      Set<IdentityId> who = new LinkedHashSet<>();
      if (subjects != null && !subjects.isEmpty()) {
        who.addAll(subjects);
      } else {
        Principal p = duck.authenticate(key);
        who.add(p.id());
        if (p.kind() == IdentityKind.DUCKLING && p.tier().atLeast(Tier.T2)) {
          for (Bond b : duck.bonds().list(key)) {
            who.add(b.agent());
          }
        }
      }
      List<CertificateView> certs = new ArrayList<>();
      for (IdentityId id : who) {
        certs.addAll(duck.certificates().history(key, id));
      }
      emitList(certs, Render::cert, Render::certLine, "no certificates");
      return ExitCodes.OK;
    }
  }

  @Command(name = "show", description = "Show a certificate (C4: needs a caller key): its fields, or the signed JWT, or an HTML card (C5).")
  int show(
      @Parameters(paramLabel = "CERT_ID", converter = Converters.Cert.class) CertId id,
      @Option(names = "--jwt", description = "print only the signed compact JWS") boolean jwt,
      @Option(names = "--html", description = "print the shareable HTML card") boolean html) {
    if (jwt && html) {
      throw CliException.usage("--jwt and --html are exclusive");
    }
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      if (html) {
        out().println(duck.certificates().renderHtml(key, id));
        return ExitCodes.OK;
      }
      CertificateView v = duck.certificates().get(key, id);
      if (jwt) {
        out().println(v.certificate().jws());
        return ExitCodes.OK;
      }
      Json j = Render.cert(v);
      if (json()) {
        j.put("jws", v.certificate().jws());
      }
      emit(j);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "verify",
      description = {
        "Verify a certificate JWS (C2). With --jwks, fully offline: nothing but the JWK set file is read.",
        "Without, against this store's public keys (no caller key needed). Exit 8 if it does not verify.",
        "Offline verification cannot tell whether the certificate is still current; cert show can.",
      })
  int verify(
      @Parameters(converter = Converters.FileName.class, paramLabel = "TOKEN_FILE", description = "file holding the JWS (e.g. from cert show --jwt), - for standard input")
          String tokenFile,
      @Option(names = "--jwks", converter = Converters.FileName.class, paramLabel = "FILE", description = "public JWK set (from duck jwks) to verify against, offline")
          @Nullable String jwksFile) {
    String jws = SecretIo.firstLine(SecretIo.readText(ctx(), tokenFile, "token file"));
    BirthCertificate c;
    String against;
    if (jwksFile != null) {
      String jwks = SecretIo.readText(ctx(), jwksFile, "JWK set file");
      OfflineCertificateVerifier verifier;
      try {
        verifier = OfflineCertificateVerifier.fromJwks(jwks);
      } catch (IllegalArgumentException e) {
        throw CliException.usage("the JWK set file " + jwksFile + " is not a usable JWK set", e);
      }
      c = verifier.verify(jws);
      against = "offline against " + jwksFile;
    } else {
      try (SpaceDuck duck = open()) {
        c = duck.certificates().verify(jws);
      }
      against = "against the public keys of " + root().storeChoice().describe();
    }
    Json j = Render.cert(c, Optional.empty()).put("valid", true).put("verified", against);
    done("valid certificate " + c.id().value() + " of " + c.subject().value() + " (" + c.displayName() + ", "
            + Render.tier(c.tier()) + "), issued " + c.issuedAt() + ", verified " + against,
        j);
    return ExitCodes.OK;
  }
}
