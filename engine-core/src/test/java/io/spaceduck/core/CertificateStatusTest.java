package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.CertId;
import io.spaceduck.api.CertStatus;
import io.spaceduck.api.CertificateView;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Tier;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * C3/C4/C5 for a relying party: a certificate lookup says whether the certificate may be trusted now —
 * current, superseded, or its subject revoked, deleted or blocked — on {@code get}, {@code history}
 * and the HTML card alike. The signed certificate never changes; the status is read from the
 * subject's record (and an agent's bond) at every lookup.
 */
class CertificateStatusTest {

  private static CertStatus status(TestEngine t, BeakKey reader, CertId id) {
    return t.engine.certificates().get(reader, id).status();
  }

  private static String cardStatus(TestEngine t, BeakKey reader, CertId id) {
    String html = t.engine.certificates().renderHtml(reader, id);
    int at = html.indexOf("<th>Status</th><td>");
    return html.substring(at + "<th>Status</th><td>".length(), html.indexOf("</td>", at));
  }

  @Test
  @Tag("C3")
  @Tag("C5")
  @Tag("B2")
  void agentWithARevokedBond_itsCurrentCertificateSaysRevoked_theOlderOneSuperseded() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey olive = t.operator(admin, "Olive");
      BondResult scout = t.bond(olive, "Scout", Tier.T1);
      BirthCertificate promoted = t.engine.identities().promote(olive, scout.agent().id(), Tier.T2);
      assertEquals(CertStatus.CURRENT, status(t, admin, promoted.id()));
      assertEquals("current", cardStatus(t, admin, promoted.id()));

      t.engine.bonds().revoke(olive, scout.bond().id(), ReasonCode.COMPROMISED);

      assertEquals(CertStatus.REVOKED, status(t, admin, promoted.id()), "a revoked agent's certificate is not current");
      assertFalse(status(t, admin, promoted.id()).valid());
      assertEquals(CertStatus.SUPERSEDED, status(t, admin, scout.certificate().id()), "C3: superseded stays superseded");
      assertTrue(cardStatus(t, admin, promoted.id()).startsWith("revoked"), cardStatus(t, admin, promoted.id()));
      List<CertStatus> history =
          t.engine.certificates().history(admin, scout.agent().id()).stream().map(CertificateView::status).toList();
      assertEquals(List.of(CertStatus.SUPERSEDED, CertStatus.REVOKED), history);
    }
  }

  @Test
  @Tag("C3")
  @Tag("D1")
  void deletedDuckling_itsCurrentCertificateSaysDeleted() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      HatchResult erin = t.hatch("Erin");
      BirthCertificate t2 = t.engine.identities().promote(admin, erin.duckling().id(), Tier.T2);

      t.engine.identities().requestDeletion(erin.key().key(), erin.duckling().id(), ReasonCode.DELETION_REQUEST);

      assertEquals(CertStatus.DELETED, status(t, admin, t2.id()));
      assertEquals(CertStatus.SUPERSEDED, status(t, admin, erin.certificate().id()));
      assertTrue(cardStatus(t, admin, t2.id()).startsWith("deleted"));
    }
  }

  @Test
  @Tag("C3")
  void blockedSubject_saysBlocked_untilUnblocked() {
    try (TestEngine t = new TestEngine()) {
      BeakKey admin = t.bootstrap().key().key();
      BeakKey olive = t.operator(admin, "Olive");
      BondResult scout = t.bond(olive, "Scout", Tier.T1);
      CertId cert = scout.certificate().id();

      t.engine.blocks().blockPlatformWide(admin, scout.agent().id(), ReasonCode.POLICY_VIOLATION);
      assertEquals(CertStatus.BLOCKED, status(t, olive, cert));
      assertTrue(cardStatus(t, olive, cert).startsWith("blocked"));

      t.engine.blocks().unblockPlatformWide(admin, scout.agent().id(), ReasonCode.NONE);
      assertEquals(CertStatus.CURRENT, status(t, olive, cert));
      assertTrue(status(t, olive, cert).valid());
    }
  }
}
