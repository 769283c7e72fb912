package io.spaceduck.server.hosts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckState;
import java.time.Instant;
import java.util.Optional;

/**
 * The webhook payload of a peck transition, in the Standard Webhooks shape {@code {type, timestamp,
 * data}}. A "thin" payload: ids, the state, the reason code and timestamps — never a key, a token, a scope
 * or any message content (P7). Every field is always present ({@code null} when the peck has no value),
 * so the schema does not change with the state.
 */
final class PeckEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PeckEvents() {}

  /** The event type of the state a peck has just entered. */
  static String type(PeckState state) {
    switch (state) {
      case REQUESTED:
        return "peck.requested";
      case ACCEPTED:
        return "peck.accepted";
      case ACTIVE:
        return "peck.approved";
      case DECLINED:
        return "peck.declined";
      case REJECTED:
        return "peck.rejected";
      case EXPIRED:
        return "peck.expired";
      case CLOSED:
        return "peck.closed";
      default:
        throw new IllegalArgumentException("no event type for " + state);
    }
  }

  /** The minified JSON body (the bytes that are signed and sent). */
  static byte[] payload(Peck p, Instant now) {
    ObjectNode root = JSON.createObjectNode();
    root.put("type", type(p.state()));
    root.put("timestamp", now.toString());
    ObjectNode d = root.putObject("data");
    d.put("peck_id", p.id().value());
    d.put("state", p.state().name().toLowerCase(java.util.Locale.ROOT));
    d.put("requester", p.requester().value());
    d.put("requester_operator", p.requesterOperator().value());
    d.put("sponsor", p.sponsor().map(a -> a.value()).orElse(null));
    d.put("target", p.target().value());
    d.put("target_cert", p.targetCert().value());
    d.put("target_operator", p.targetOperator().value());
    d.put("requested_at", p.requestedAt().toString());
    d.put("request_expires_at", p.requestExpiresAt().toString());
    d.put("session_expires_at", text(p.sessionExpiresAt().map(Instant::toString)));
    d.put("decided_by", text(p.decidedBy().map(x -> x.value())));
    d.put("approval_rule", text(p.approvalRule().map(x -> x.value())));
    d.put("closed_by", text(p.closedBy()));
    d.put("reason", text(p.reason().map(r -> r.code())));
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a peck event", e);
    }
  }

  private static String text(Optional<String> v) {
    return v.orElse(null);
  }
}
