package io.spaceduck.core.internal;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.BirthCertificate;

/**
 * Renders a certificate as a self-contained HTML card (C5). Every field — including the display name,
 * which a hatching person chose — is HTML-escaped; the page loads nothing external.
 */
final class CertificateCard {
  private static final Escaper HTML = HtmlEscapers.htmlEscaper();

  private CertificateCard() {}

  static String render(CertificateView view) {
    BirthCertificate c = view.certificate();
    StringBuilder rows = new StringBuilder();
    row(rows, "Certificate", c.id().value());
    row(rows, "Subject", c.subject().value());
    row(rows, "Kind", CertificateTokens.kindLabel(c.kind()));
    row(rows, "Tier", c.tier().name() + " · " + c.tier().displayName());
    row(rows, "Issued", c.issuedAt().toString());
    c.operator().ifPresent(o -> row(rows, "Operator", o.value()));
    c.supersedes().ifPresent(s -> row(rows, "Supersedes", s.value()));
    row(rows, "Status", statusText(view.status()));
    row(rows, "Engine", c.engineVersion());
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        + "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        + "<title>Birth certificate · " + HTML.escape(c.displayName()) + "</title>"
        + "<style>body{font-family:system-ui,sans-serif;background:#0b1026;color:#f5f3e7}"
        + ".card{max-width:36rem;margin:2rem auto;padding:1.5rem;border:2px solid #f6c945;border-radius:1rem}"
        + "th{text-align:left;padding-right:1rem;color:#f6c945}td{word-break:break-all}"
        + "pre{white-space:pre-wrap;word-break:break-all;font-size:.7rem}</style></head>\n<body><div class=\"card\">"
        + "<h1>&#x1F986; " + HTML.escape(c.displayName()) + "</h1>"
        + "<table>" + rows + "</table>"
        + "<p>Signed token (verify offline with the engine's JWK set):</p><pre>" + HTML.escape(c.jws()) + "</pre>"
        + "</div></body></html>\n";
  }

  /** What the card says a relying party should make of the certificate (the status, in words). */
  static String statusText(CertStatus status) {
    return switch (status) {
      case CURRENT -> "current";
      case SUPERSEDED -> "superseded: not valid, see the subject's current certificate";
      case REVOKED -> "revoked: the agent's bond is revoked; not valid";
      case DELETED -> "deleted: the subject was deleted on request; not valid";
      case BLOCKED -> "blocked: the subject is blocked; not valid while blocked";
    };
  }

  private static void row(StringBuilder out, String label, String value) {
    out.append("<tr><th>").append(HTML.escape(label)).append("</th><td>").append(HTML.escape(value)).append("</td></tr>");
  }
}
