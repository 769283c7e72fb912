package io.spaceduck.cli;

import io.spaceduck.api.AgentId;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckRequest;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.SpaceDuck;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code duck peck …}: the Peck Protocol (P1–P7), one transition per call. */
@Command(
    name = "peck",
    description = {
      "The Peck Protocol: request, accept, approve and close connections between agents.",
      "An agent requests, the target agent accepts or declines, an operator governing the target",
      "approves or rejects, either side closes. See docs/peck-protocol.md.",
    })
final class PeckCommand extends Group {
  @Command(name = "request", description = "Agent: ask for a connection to the agent holding CERT_ID (P1, P2, P6).")
  int request(
      @Parameters(paramLabel = "CERT_ID", converter = Converters.Cert.class, description = "the target agent's current certificate")
          CertId target,
      @Option(names = "--scope", required = true, converter = Converters.Text.class, split = ",", paramLabel = "SCOPE",
              description = "requested scope tokens, comma-separated, e.g. chat:read")
          List<String> scope,
      @Option(names = "--duration", defaultValue = "1h", converter = Converters.Span.class,
              description = "session length, 1m to 30d (default: ${DEFAULT-VALUE})")
          Duration duration,
      @Option(names = "--on-behalf-of", paramLabel = "AGENT_ID", converter = Converters.Agent.class,
              description = "sponsor the request for a lower-tier agent of the same operator (P6)")
          @Nullable AgentId onBehalfOf) {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      Peck p = duck.pecks().request(key, new PeckRequest(target, new LinkedHashSet<>(scope), duration, Optional.ofNullable(onBehalfOf)));
      emit(Render.peck(p));
      return ExitCodes.OK;
    }
  }

  @Command(name = "inbox", description = "Agent: requests waiting for the caller, oldest first (P3).")
  int inbox(
      @Option(names = "--after", paramLabel = "PECK_ID", converter = Converters.Peck.class, description = "page on after this peck")
          @Nullable PeckId after,
      @Option(names = "--limit", defaultValue = "50", description = "at most this many (default: ${DEFAULT-VALUE})") int limit) {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      emitList(duck.pecks().inbox(key, Optional.ofNullable(after), limit), Render::peck, Render::peckLine, "no requests waiting");
      return ExitCodes.OK;
    }
  }

  @Command(name = "pending", description = "Operator: accepted pecks waiting for the caller's approval, oldest first (P4).")
  int pending(
      @Option(names = "--after", paramLabel = "PECK_ID", converter = Converters.Peck.class, description = "page on after this peck")
          @Nullable PeckId after,
      @Option(names = "--limit", defaultValue = "50", description = "at most this many (default: ${DEFAULT-VALUE})") int limit) {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      emitList(duck.pecks().pendingApprovals(key, Optional.ofNullable(after), limit), Render::peck, Render::peckLine,
          "no pecks waiting for approval");
      return ExitCodes.OK;
    }
  }

  @Command(name = "show", description = "Show a peck the caller is involved in.")
  int show(@Parameters(paramLabel = "PECK_ID", converter = Converters.Peck.class) PeckId id) {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      emit(Render.peck(duck.pecks().get(key, id)));
      return ExitCodes.OK;
    }
  }

  @Command(name = "accept", description = "Target agent: accept a request (P3).")
  int accept(@Parameters(paramLabel = "PECK_ID", converter = Converters.Peck.class) PeckId id) {
    return transition("accepted", (duck, key) -> duck.pecks().accept(key, id));
  }

  @Command(name = "decline", description = "Target agent: decline a request (P3).")
  int decline(
      @Parameters(paramLabel = "PECK_ID", converter = Converters.Peck.class) PeckId id,
      @Option(names = "--reason", defaultValue = "none", converter = Converters.Reason.class,
              description = "reason code (default: ${DEFAULT-VALUE})")
          ReasonCode reason) {
    return transition("declined", (duck, key) -> duck.pecks().decline(key, id, reason));
  }

  @Command(name = "approve", description = "Operator governing the target: approve an accepted peck (P4); never the requester's side.")
  int approve(@Parameters(paramLabel = "PECK_ID", converter = Converters.Peck.class) PeckId id) {
    return transition("approved", (duck, key) -> duck.pecks().approve(key, id));
  }

  @Command(name = "reject", description = "Operator governing the target: reject an accepted peck (P4).")
  int reject(
      @Parameters(paramLabel = "PECK_ID", converter = Converters.Peck.class) PeckId id,
      @Option(names = "--reason", defaultValue = "none", converter = Converters.Reason.class,
              description = "reason code (default: ${DEFAULT-VALUE})")
          ReasonCode reason) {
    return transition("rejected", (duck, key) -> duck.pecks().reject(key, id, reason));
  }

  @Command(name = "close", description = "Either side (agent or operator): close a pending or active peck.")
  int close(
      @Parameters(paramLabel = "PECK_ID", converter = Converters.Peck.class) PeckId id,
      @Option(names = "--reason", defaultValue = "none", converter = Converters.Reason.class,
              description = "reason code (default: ${DEFAULT-VALUE})")
          ReasonCode reason) {
    return transition("closed", (duck, key) -> duck.pecks().close(key, id, reason));
  }

  private int transition(String verb, BiFunction<SpaceDuck, BeakKey, Peck> call) {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      Peck p = call.apply(duck, key);
      done(verb + " peck " + p.id().value() + ": now " + Render.lower(p.state())
              + (p.state() == PeckState.ACTIVE ? p.sessionExpiresAt().map(e -> ", sessions until " + Render.time(e)).orElse("") : ""),
          Render.peck(p));
      return ExitCodes.OK;
    }
  }
}
