package io.spaceduck.conformance;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Pulse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The agents and pulses of the pulse cases ({@link PulseContract}, {@link StoreModel}), and the
 * history the SPI promises for them. Stateless.
 */
final class Pulses {
  private Pulses() {}

  /** The agents the pulse properties record for; each has its own operator. */
  static final List<AgentId> PULSE_AGENTS =
      List.of(new AgentId("ag_" + "p".repeat(26)), new AgentId("ag_" + "q".repeat(26)), new AgentId("ag_" + "r".repeat(26)));

  /** An agent that never pulses: its reads are empty, never exceptions. */
  static final AgentId SILENT_AGENT = new AgentId("ag_" + "s".repeat(26));

  /** The pulse agents and the silent one. */
  static final List<AgentId> ALL_PULSE_AGENTS =
      List.of(PULSE_AGENTS.get(0), PULSE_AGENTS.get(1), PULSE_AGENTS.get(2), SILENT_AGENT);

  /** The operator of one of {@link #PULSE_AGENTS}. */
  static DucklingId operatorOf(AgentId agent) {
    return new DucklingId("dk_" + String.valueOf(agent.value().charAt(3)).repeat(25) + "o");
  }

  /** A pulse of {@code agent}. */
  static Pulse pulse(AgentId agent, Instant at, String status) {
    return new Pulse(agent, operatorOf(agent), at, status);
  }

  /**
   * An agent's pulses as the SPI orders its history: newest first, and of equal instants the one
   * recorded later first (so its first element is the latest pulse).
   */
  static List<Pulse> expectedHistory(List<Pulse> recorded, AgentId agent) {
    List<Pulse> mine = recorded.stream().filter(p -> p.agent().equals(agent)).collect(Collectors.toCollection(ArrayList::new));
    Collections.reverse(mine);
    mine.sort(Comparator.comparing(Pulse::at).reversed()); // stable: ties stay later-recorded first
    return mine;
  }
}
