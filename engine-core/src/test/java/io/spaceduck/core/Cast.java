package io.spaceduck.core;

import io.spaceduck.api.BeakKey;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.HatchResult;
import io.spaceduck.api.Tier;

/**
 * The common cast of the facet tests: an admin (bootstrapped), the operators Olive and Otto (each
 * hatched and promoted to T2 by the admin, Olive first) and Dora, a plain T1 duckling hatched last.
 * The order of the hatches and promotions fixes the ids and audit sequence numbers the tests see; a
 * test that needs steps between the operators and Dora (bonds, clock moves) takes {@link
 * #operators} and calls {@link Operators#thenDora} where its own order says.
 */
record Cast(HatchResult admin, HatchResult olive, HatchResult otto, HatchResult dora) {

  /** The whole cast, Dora hatched right after the operators. */
  static Cast hatch(TestEngine t) {
    return operators(t).thenDora(t);
  }

  /** The admin and the two operators, before Dora hatches. */
  static Operators operators(TestEngine t) {
    HatchResult admin = t.bootstrap();
    BeakKey adminKey = admin.key().key();
    HatchResult olive = t.hatch("Olive");
    t.engine.identities().promote(adminKey, olive.duckling().id(), Tier.T2);
    HatchResult otto = t.hatch("Otto");
    t.engine.identities().promote(adminKey, otto.duckling().id(), Tier.T2);
    return new Operators(admin, olive, otto);
  }

  /** The audit events from now on, read with the admin's key. */
  AuditTrail auditTrail(TestEngine t) {
    return new AuditTrail(t.engine, admin.key().key());
  }

  /** The cast without Dora yet. */
  record Operators(HatchResult admin, HatchResult olive, HatchResult otto) {
    Cast thenDora(TestEngine t) {
      return new Cast(admin, olive, otto, t.hatch("Dora"));
    }
  }

  /**
   * The cast's members and their keys and ids, for a test's own {@code World} record that holds the
   * cast plus its extras. The admin's {@link HatchResult} is {@code cast().admin()}: some tests name
   * their admin key {@code admin()}.
   */
  interface Roles {
    Cast cast();

    default HatchResult olive() {
      return cast().olive();
    }

    default HatchResult otto() {
      return cast().otto();
    }

    default HatchResult dora() {
      return cast().dora();
    }

    default BeakKey adminKey() {
      return cast().admin().key().key();
    }

    default DucklingId adminId() {
      return cast().admin().duckling().id();
    }

    default BeakKey oliveKey() {
      return olive().key().key();
    }

    default DucklingId oliveId() {
      return olive().duckling().id();
    }

    default BeakKey ottoKey() {
      return otto().key().key();
    }
  }
}
