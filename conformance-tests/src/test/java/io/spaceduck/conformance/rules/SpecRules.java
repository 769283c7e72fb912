package io.spaceduck.conformance.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rule ids of SPEC.md (H1 … I8), in the spec's order, each with a one-line title and its
 * section. Kept in the repository because the spec itself lives outside it; {@link RulesIndexTest}
 * compares this list with the spec whenever a copy of the spec is at hand.
 */
final class SpecRules {
  /** One rule of the spec. */
  record Rule(String id, String title) {
    String group() {
      return id.substring(0, 1);
    }
  }

  /** Section titles by the rules' letter, in the spec's order. */
  static final Map<String, String> SECTIONS = sections();

  private static Map<String, String> sections() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("H", "Hatching");
    m.put("C", "Birth certificates");
    m.put("K", "Beak Keys");
    m.put("B", "Bonds");
    m.put("P", "Peck Protocol");
    m.put("U", "Pulses");
    m.put("A", "Audit chain");
    m.put("R", "Rate limits");
    m.put("D", "Data boundary");
    m.put("I", "Invariants");
    return Collections.unmodifiableMap(m);
  }

  static final List<Rule> ALL = List.of(
      new Rule("H1", "`startHatch` verifies the human challenge before any other work; every hatch refusal is the same generic rejection"),
      new Rule("H2", "the verification code is stored only as a hash with an expiry and an attempt limit, and handed to the delivery SPI"),
      new Rule("H3", "`completeHatch` compares in constant time and creates duckling, contact, certificate, first key and audit event atomically"),
      new Rule("H4", "one verified email is one duckling; hatching an email again is refused generically"),
      new Rule("H5", "hatch attempts are rate-limited per `source`"),
      new Rule("C1", "a certificate is a signed, immutable identity record with the spec's fields"),
      new Rule("C2", "a compact JWS any third party verifies offline with the public JWK set; the signing keyset rotates"),
      new Rule("C3", "certificates are append-only: a tier change issues a new certificate that supersedes the old one"),
      new Rule("C4", "looking up a certificate requires a valid caller"),
      new Rule("C5", "a certificate renders as a shareable HTML card"),
      new Rule("K1", "random keys (≥ 256 bits) with a visible prefix and key id; only a hash is stored; shown once"),
      new Rule("K2", "a key is scoped to one identity or bond: no acting as another, no self-approval, no self-elevation"),
      new Rule("K3", "rotation issues a new key; the old one works for a grace period, then never again"),
      new Rule("K4", "revocation is immediate on every instance; revoking a bond revokes its keys; every revocation has a reason code"),
      new Rule("K5", "an admin replaces a compromised key: revoke and issue in one action"),
      new Rule("K6", "authentication failures do not say whether the key id exists"),
      new Rule("B1", "a T2 operator bonds an agent: bond, agent, certificate and first key atomically, audited"),
      new Rule("B2", "revoking a bond is immediate, records operator and reason, and invalidates its keys and peck sessions"),
      new Rule("B3", "an operator governs only its own bonds; admins govern all"),
      new Rule("P1", "an agent of tier ≥ T1 requests a peck to a target certificate with a scope and a duration"),
      new Rule("P2", "validation: both identities active, tiers allowed, neither blocked, the target certificate current"),
      new Rule("P3", "the target sees the request (inbox, `PeckNotifier`) and accepts or declines"),
      new Rule("P4", "a T2 operator governing the target approves or rejects; no self-approval; standing rules under `T3_AUTOMATION`"),
      new Rule("P5", "on approval both agents get a signed session token, verified offline and online (`verifySession`)"),
      new Rule("P6", "a T2 agent may sponsor a peck for a lower-tier agent of the same operator; the sponsor is recorded"),
      new Rule("P7", "requests expire; every state change is audited; no message payloads"),
      new Rule("U1", "an agent pulses; the latest pulse and a history are kept; history expires after a TTL"),
      new Rule("U2", "operators list their agents with stale pulses"),
      new Rule("U3", "pulses are operational data: not audited, and cheap"),
      new Rule("A1", "every governance action and every denied attempt by an authenticated caller appends a hash-linked event"),
      new Rule("A2", "append-only: no delete or update of audit events in any API or SPI"),
      new Rule("A3", "`verifyAudit` recomputes the chain, names the first broken link and, given an expected head, detects truncation"),
      new Rule("A4", "operators read the events of their governance, admins all; paginated and filterable"),
      new Rule("A5", "one linear chain across threads and instances: no fork, no gap, no duplicate `seq`"),
      new Rule("R1", "every authenticated call is rate-limited per caller (hatch per source), refused with a typed `RateLimited`"),
      new Rule("D1", "a deletion request erases the contact, marks the duckling deleted and revokes its keys and bonds"),
      new Rule("D2", "no log line, exception message or `toString()` contains a raw key, code, token or email"),
      new Rule("I1", "no identity holds a tier it was not granted; no key acts above its identity"),
      new Rule("I2", "no self-approval and no self-promotion"),
      new Rule("I3", "a revoked key or bond never authenticates again, on any instance"),
      new Rule("I4", "every successful governance action has exactly one audit event; failed actions leave no state change"),
      new Rule("I5", "the audit chain always verifies"),
      new Rule("I6", "certificates are never modified; each identity has exactly one current certificate"),
      new Rule("I7", "no T3 certificate exists while `T3_AUTOMATION` is off"),
      new Rule("I8", "no raw secret is ever persisted"));

  /** A rule item of the spec: {@code "- H1 text"} at the start of a line. */
  private static final Pattern SPEC_ITEM = Pattern.compile("(?m)^- ([A-Z][0-9]+) ");

  private SpecRules() {}

  static List<String> ids() {
    return ALL.stream().map(Rule::id).toList();
  }

  /** The rule ids of a copy of SPEC.md, in its order. */
  static List<String> idsOfSpec(String spec) {
    List<String> ids = new ArrayList<>();
    Matcher m = SPEC_ITEM.matcher(spec);
    while (m.find()) {
      ids.add(m.group(1));
    }
    return ids;
  }
}
