package io.spaceduck.storage.mapdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.Revocation;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditChain;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Storages;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.Versioned;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a store holds survives close and reopen, and the audit chain continues from its head (A5). */
class MapDbStoragePersistenceTest {
  @TempDir Path dir;

  @Test
  @Tag("A5")
  void reopen_readsBackRowsIndexesAuditAndPulses_andTheChainContinues() {
    Path file = dir.resolve("store.db");
    DucklingId op = Fixtures.operator(1);
    List<Bond> bonds = new ArrayList<>();
    List<AuditEvent> firstEvents;
    try (MapDbStorage s = MapDbStorage.open(file)) {
      for (int i = 0; i < 5; i++) {
        Bond b = Fixtures.bond(100 + i, op);
        bonds.add(b);
        s.execute(tx -> {
          tx.insert(Tables.BONDS, b);
          tx.appendAudit(Fixtures.draft("bond", b.id().value(), Map.of("n", "1")));
          return null;
        });
      }
      // revoke one: an update that moves nothing in the index, then one deleted row
      Bond revoked =
          new Bond(bonds.get(0).id(), bonds.get(0).agent(), op, bonds.get(0).agentName(), Fixtures.T0, BondStatus.REVOKED,
              Optional.of(new Revocation(op, Fixtures.T0, ReasonCode.OPERATOR_REQUEST)));
      s.execute(tx -> {
        tx.update(Tables.BONDS, tx.get(Tables.BONDS, revoked.id().value()).orElseThrow(), revoked);
        tx.delete(Tables.BONDS, tx.get(Tables.BONDS, bonds.get(4).id().value()).orElseThrow());
        tx.appendAudit(Fixtures.draft("revoke", revoked.id().value(), Map.of()));
        tx.appendAudit(Fixtures.draft("delete", bonds.get(4).id().value(), Map.of()));
        return null;
      });
      AgentId agent = Fixtures.agent(7);
      s.recordPulse(new Pulse(agent, op, Fixtures.T0, "first"));
      s.recordPulse(new Pulse(agent, op, Fixtures.T0, "second, same instant"));
      s.recordPulse(new Pulse(agent, op, Fixtures.T0.minusSeconds(60), "older"));
      firstEvents = s.auditRange(1, 100);
      assertEquals(7, firstEvents.size());
    }

    try (Storage s = Storages.open("mapdb:" + file, Map.of())) {
      assertEquals(firstEvents, s.auditRange(1, 100), "events read back exactly");
      assertEquals(Optional.of(firstEvents.get(6).head()), s.auditHead());
      Versioned<Bond> r = s.get(Tables.BONDS, bonds.get(0).id().value()).orElseThrow();
      assertEquals(2, r.version());
      assertEquals(BondStatus.REVOKED, r.value().status());
      assertEquals(Optional.empty(), s.get(Tables.BONDS, bonds.get(4).id().value()));
      assertEquals(
          List.of(bonds.get(0).id(), bonds.get(1).id(), bonds.get(2).id(), bonds.get(3).id()),
          s.findBy(Tables.BONDS_BY_OPERATOR, op.value()).stream().map(v -> v.value().id()).toList(),
          "the index survives, in primary-key order");
      AgentId agent = Fixtures.agent(7);
      assertEquals("second, same instant", s.latestPulse(agent).orElseThrow().status());
      assertEquals(
          List.of("second, same instant", "first", "older"),
          s.pulseHistory(agent, 10).stream().map(Pulse::status).toList());

      // the chain continues from the stored head: seq 8 links event 7
      s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord("after.reopen", "x"));
        tx.appendAudit(Fixtures.draft("after", "reopen", Map.of()));
        return null;
      });
      AuditEvent next = s.auditRange(8, 1).get(0);
      assertEquals(8, next.seq());
      assertEquals(firstEvents.get(6).hash(), next.prevHash());
      AuditVerification v =
          AuditChain.verify(s.auditRange(1, Integer.MAX_VALUE).iterator(), Optional.of(firstEvents.get(6).head()));
      assertTrue(v.valid(), v.toString());
      // a later pulse at the same instant is still the newest after reopen: the tie counter persisted
      s.recordPulse(new Pulse(agent, Fixtures.operator(1), Fixtures.T0, "third, same instant"));
      assertEquals("third, same instant", s.pulseHistory(agent, 1).get(0).status());
    }

    try (MapDbStorage s = MapDbStorage.open(file)) {
      assertEquals(8, s.auditHead().map(AuditHead::seq).orElseThrow());
      assertEquals(1, s.auditQuery(new AuditFilter(Optional.empty(), Optional.of("after"), Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty()), 0, 10).size());
      assertEquals(1, s.deletePulsesBefore(Fixtures.T0), "the older history entry");
    }
    try (MapDbStorage s = MapDbStorage.open(file)) {
      assertEquals(3, s.pulseHistory(Fixtures.agent(7), 10).size(), "the sweep was durable");
    }
  }
}
