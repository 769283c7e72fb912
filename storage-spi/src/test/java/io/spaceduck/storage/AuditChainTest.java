package io.spaceduck.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.Hash;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** {@link AuditChain}'s link and verify agree with the reference encoding ({@link AuditReference}). */
class AuditChainTest {

  @Property
  @Label("A1 link hashes a well-formed draft as the reference does")
  void link_hashesAsTheReference(@ForAll("wellFormedEvents") AuditEvent e) {
    AuditEvent linked = AuditChain.link(AuditChain.draftOf(e), e.seq(), e.prevHash());
    assertEquals(AuditReference.hash(e), linked.hash());
    assertArrayEquals(AuditReference.encoding(e), AuditChain.canonicalBytes(linked));
  }

  @Property
  @Label("A3 verify accepts a chain hashed by the reference and finds a changed field or hash")
  void verify_acceptsTheReferenceChain_andFindsTheChangedEvent(
      @ForAll @Size(min = 1, max = 8) List<@From("wellFormedEvents") AuditEvent> events,
      @ForAll @IntRange(min = 0, max = 1000) int tamperAt,
      @ForAll boolean changeField) {
    List<AuditEvent> chain = new ArrayList<>();
    Hash prev = Hash.ZERO;
    for (AuditEvent d : events) {
      AuditEvent placed = AuditReference.withLink(d, chain.size() + 1L, prev, Hash.ZERO);
      AuditEvent e = AuditReference.withLink(placed, placed.seq(), prev, AuditReference.hash(placed));
      chain.add(e);
      prev = e.hash();
    }
    AuditVerification ok = AuditChain.verify(chain.iterator(), Optional.of(chain.get(chain.size() - 1).head()));
    assertTrue(ok.valid());
    assertEquals(chain.size(), ok.eventsVerified());

    int i = tamperAt % chain.size();
    AuditEvent v = chain.get(i);
    AuditEvent tampered;
    if (changeField) {
      tampered = new AuditEvent(v.seq(), v.action() + "x", v.actor(), v.resource(), v.scope(), v.timestamp(),
          v.engineVersion(), v.reason(), v.outcome(), v.details(), v.prevHash(), v.hash());
    } else {
      byte[] flipped = v.hash().toByteArray();
      flipped[31] ^= 1;
      tampered = AuditReference.withLink(v, v.seq(), v.prevHash(), Hash.of(flipped));
    }
    chain.set(i, tampered);
    AuditVerification broken = AuditChain.verify(chain.iterator(), Optional.empty());
    assertFalse(broken.valid());
    assertEquals(v.seq(), broken.firstBrokenSeq().getAsLong());
  }

  @Provide
  Arbitrary<AuditEvent> wellFormedEvents() {
    return AuditReference.wellFormedEvents();
  }
}
