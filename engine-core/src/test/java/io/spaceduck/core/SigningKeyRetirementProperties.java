package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.InvalidInput;
import io.spaceduck.api.SigningKey;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Tag;
import net.jqwik.api.constraints.LongRange;

/**
 * Issue 15 #11, C2: a retired signing key leaves the public JWK set exactly when the rule says — at
 * once if no current certificate depends on it (none ever did, or all were re-issued) or its date is
 * not in the future, otherwise from its date on — and never before; the primary is never affected.
 * Whatever is published verifies, whatever is not does not.
 */
class SigningKeyRetirementProperties {
  private static final long DAY = 86_400;

  @Property(tries = 25)
  @Label("C2: the retired key is published iff current certificates depend on it and its date is ahead")
  @Tag("C2")
  void retiredKey_leavesTheJwks_exactlyUnderTheStatedCondition(
      @ForAll boolean reissueFirst,
      @ForAll boolean keyEverSigned,
      @ForAll @LongRange(min = -DAY, max = 7 * DAY) long dateOffsetSeconds,
      @ForAll @LongRange(min = 0, max = 8 * DAY) long laterSeconds)
      throws Exception {
    try (TestEngine t = new TestEngine()) {
      HatchResult admin = t.bootstrap();
      BeakKey key = admin.key().key();
      HatchResult alice = t.hatch("Alice");
      String first = kidOf(admin.certificate().jws());
      String second = t.engine.admin().addSigningKey(key);
      String retired;
      BirthCertificate signedByRetired;
      if (keyEverSigned) {
        t.engine.admin().promoteSigningKey(key, second); // the first key signed admin and Alice
        retired = first;
        signedByRetired = alice.certificate();
      } else {
        retired = second; // added, never primary: it signed nothing
        signedByRetired = null;
      }
      if (reissueFirst) {
        t.engine.admin().reissueCertificates(key, retired);
      }
      Instant at = t.clock.instant();
      Instant date = at.plusSeconds(dateOffsetSeconds);
      boolean dependents = keyEverSigned && !reissueFirst;
      boolean removedAtOnce = !dependents || dateOffsetSeconds <= 0;
      SigningKey r = t.engine.admin().retireSigningKey(key, retired, date);
      assertEquals(removedAtOnce ? SigningKey.State.RETIRED : SigningKey.State.RETIRING, r.state());

      t.clock.advance(Duration.ofSeconds(laterSeconds));
      boolean published = !removedAtOnce && laterSeconds < dateOffsetSeconds;
      Set<String> kids = kids(t.engine.certificates().publicJwks());
      String primary = keyEverSigned ? second : first;
      assertTrue(kids.contains(primary), "the primary is always published");
      assertEquals(published, kids.contains(retired), "published: " + kids);
      if (signedByRetired != null) {
        if (published) {
          assertEquals(signedByRetired, t.engine.certificates().verify(signedByRetired.jws()));
        } else {
          assertThrows(InvalidInput.class, () -> t.engine.certificates().verify(signedByRetired.jws()));
        }
      }
      // what every identity holds as current still verifies unless it depended on a key past its date
      BirthCertificate aliceNow = t.engine.certificates().history(key, alice.duckling().id()).get(
          reissueFirst && keyEverSigned ? 1 : 0).certificate();
      if (published || !kidOf(aliceNow.jws()).equals(retired)) {
        assertEquals(aliceNow, t.engine.certificates().verify(aliceNow.jws()));
      }
      assertTrue(t.engine.audit().verify(key).valid());
    }
  }

  private static String kidOf(String jws) throws Exception {
    return SignedJWT.parse(jws).getHeader().getKeyID();
  }

  private static Set<String> kids(String jwks) throws Exception {
    Set<String> kids = new HashSet<>();
    JWKSet.parse(jwks).getKeys().forEach(k -> kids.add(k.getKeyID()));
    return kids;
  }
}
