package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.BondResult;
import io.spaceduck.api.Email;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.SpaceDuck;
import io.spaceduck.api.SpaceDuckBuilder;
import io.spaceduck.api.Tier;
import io.spaceduck.api.Unavailable;
import io.spaceduck.api.spi.KekSource;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded MapDB store is the default, and an engine on it keeps everything across a reopen. */
class DefaultMapDbStoreTest {

  private static SpaceDuckBuilder builder(KekSource kek) {
    return SpaceDuck.builder()
        .kek(kek)
        .humanCheck((token, source) -> true)
        .verificationDelivery((email, hatch, code, expires) -> {});
  }

  @Test
  void withoutAStoreTheBuilderNamesTheMapDbDefault() {
    assertEquals(Optional.of(SpaceDuckBuilder.DEFAULT_STORE), builder(TestEngine.newKek()).config().storageUri());
    assertEquals("mapdb:spaceduck.db", SpaceDuckBuilder.DEFAULT_STORE);
  }

  @Test
  @Tag("I3")
  @Tag("C2")
  void anEngineOnAMapDbFile_reopensWithItsKeysetsIdentitiesAndChain(@TempDir Path dir) {
    KekSource kek = TestEngine.newKek();
    String uri = "mapdb:" + dir.resolve("duck.db");
    BeakKey adminKey;
    BondResult scout;
    String jwks;
    try (SpaceDuck duck = builder(kek).storageUri(uri).build()) {
      HatchResult admin = duck.admin().bootstrap("Ada", Email.of("ada@example.org"));
      adminKey = admin.key().key();
      scout = duck.bonds().bond(adminKey, "scout", Tier.T1);
      jwks = duck.certificates().publicJwks();
    }
    try (SpaceDuck duck = builder(kek).storageUri(uri).build()) {
      assertEquals(scout.agent().id(), duck.authenticate(scout.key().key()).id()); // MAC keyset persisted
      assertEquals(jwks, duck.certificates().publicJwks()); // signing keyset persisted
      assertEquals(scout.certificate(), duck.certificates().verify(scout.certificate().jws()));
      assertTrue(duck.audit().verify(adminKey).valid());
      assertEquals(2, duck.audit().verify(adminKey).eventsVerified());
    }
    // the keysets are encrypted under the KEK: another KEK cannot open the store
    assertThrows(Unavailable.class, () -> builder(TestEngine.newKek()).storageUri(uri).build());
  }
}
