package io.spaceduck.server.internal;

import static io.spaceduck.server.internal.Route.Access.BEARER;
import static io.spaceduck.server.internal.Route.Access.LOCAL;
import static io.spaceduck.server.internal.Route.Access.PUBLIC;

import io.spaceduck.server.internal.Route.Access;
import io.spaceduck.server.internal.Route.Endpoint;
import java.util.List;
import java.util.Set;

/**
 * THE routing table: every route the server answers, with its method, path, OpenAPI operation id,
 * access and query parameters. {@code openapi.json} documents exactly these (a test holds the two
 * together). Engine calls are in {@link Endpoints}; the few routes the server answers itself
 * (health, metrics, the document) are in {@link ApiHandler}, Mission Control's settings in {@link PageConfig}.
 */
public final class Routes {
  private Routes() {}

  private static Route r(String method, String path, String op, Access access, Set<String> query, Endpoint e) {
    return new Route(method, path, op, access, query, method.equals("POST") && !NO_BODY.contains(op), e);
  }

  /** POST routes that take no body: a body sent to them is refused, not ignored. */
  private static final Set<String> NO_BODY = Set.of("acceptPeck", "approvePeck", "issueSession");

  private static final Set<String> NONE = Set.of();
  private static final Set<String> PAGE = Set.of("after", "limit");

  /** The table, with the engine-free endpoints supplied by the handler. */
  static List<Route> table(Endpoint healthz, Endpoint readyz, Endpoint metrics, Endpoint openapi, Endpoint config) {
    return List.of(
        //  method  path                                        operation id        access  query          endpoint
        r("GET",  "/healthz",                                   "healthz",          PUBLIC, NONE,          healthz),
        r("GET",  "/readyz",                                    "readyz",           PUBLIC, NONE,          readyz),
        r("GET",  "/metrics",                                   "metrics",          LOCAL,  NONE,          metrics),
        r("GET",  "/.well-known/jwks.json",                     "jwks",             PUBLIC, NONE,          Endpoints::jwks),
        r("GET",  "/beak/openapi.json",                         "openapi",          PUBLIC, NONE,          openapi),
        r("GET",  "/beak/config",                               "pageConfig",       PUBLIC, NONE,          config),
        r("POST", "/beak/hatch",                                "hatchStart",       PUBLIC, NONE,          Endpoints::hatchStart),
        r("POST", "/beak/hatch/{hatch_id}/complete",            "hatchComplete",    PUBLIC, NONE,          Endpoints::hatchComplete),
        r("GET",  "/beak/whoami",                               "whoami",           BEARER, NONE,          Endpoints::whoami),
        r("GET",  "/beak/identities/{identity_id}",             "getIdentity",      BEARER, NONE,          Endpoints::identity),
        r("POST", "/beak/identities/{identity_id}/promote",     "promote",          BEARER, NONE,          Endpoints::promote),
        r("GET",  "/beak/identities/{identity_id}/certs",       "certHistory",      BEARER, NONE,          Endpoints::certHistory),
        r("POST", "/beak/ducklings/{duckling_id}/deletion",     "requestDeletion",  BEARER, NONE,          Endpoints::deletion),
        r("GET",  "/beak/cert",                                 "getCert",          BEARER, Set.of("cert_id"), Endpoints::cert),
        r("GET",  "/beak/cert/card",                            "certCard",         BEARER, Set.of("cert_id"), Endpoints::certCard),
        r("POST", "/beak/bonds",                                "bond",             BEARER, NONE,          Endpoints::bond),
        r("GET",  "/beak/bonds",                                "listBonds",        BEARER, NONE,          Endpoints::bonds),
        r("GET",  "/beak/bonds/{bond_id}",                      "getBond",          BEARER, NONE,          Endpoints::getBond),
        r("GET",  "/beak/keys",                                 "listKeys",         BEARER, Set.of("owner_id"), Endpoints::keys),
        r("POST", "/beak/rotate",                               "rotate",           BEARER, NONE,          Endpoints::rotate),
        r("POST", "/beak/keys/{key_id}/replace",                "replaceKey",       BEARER, NONE,          Endpoints::replaceKey),
        r("POST", "/beak/unpeck",                               "unpeck",           BEARER, NONE,          Endpoints::unpeck),
        r("POST", "/beak/peck",                                 "requestPeck",      BEARER, NONE,          Endpoints::requestPeck),
        r("GET",  "/beak/pecks/inbox",                          "peckInbox",        BEARER, PAGE,          Endpoints::inbox),
        r("GET",  "/beak/pecks/pending",                        "pendingApprovals", BEARER, PAGE,          Endpoints::pending),
        r("GET",  "/beak/pecks/active",                         "activePecks",      BEARER, PAGE,          Endpoints::activePecks),
        r("GET",  "/beak/pecks/{peck_id}",                      "getPeck",          BEARER, NONE,          Endpoints::getPeck),
        r("POST", "/beak/pecks/{peck_id}/accept",               "acceptPeck",       BEARER, NONE,          Endpoints::accept),
        r("POST", "/beak/pecks/{peck_id}/decline",              "declinePeck",      BEARER, NONE,          Endpoints::decline),
        r("POST", "/beak/pecks/{peck_id}/approve",              "approvePeck",      BEARER, NONE,          Endpoints::approve),
        r("POST", "/beak/pecks/{peck_id}/reject",               "rejectPeck",       BEARER, NONE,          Endpoints::reject),
        r("POST", "/beak/pecks/{peck_id}/close",                "closePeck",        BEARER, NONE,          Endpoints::close),
        r("POST", "/beak/pecks/{peck_id}/session",              "issueSession",     BEARER, NONE,          Endpoints::session),
        r("POST", "/beak/sessions/verify",                      "verifySession",    BEARER, NONE,          Endpoints::verifySession),
        r("POST", "/beak/pulse",                                "pulse",            BEARER, NONE,          Endpoints::pulse),
        r("GET",  "/beak/agents/{agent_id}/pulses",             "pulses",           BEARER, Set.of("limit"), Endpoints::pulses),
        r("GET",  "/beak/stale",                                "staleAgents",      BEARER, Set.of("threshold_seconds"), Endpoints::stale),
        r("POST", "/beak/blocks",                               "block",            BEARER, NONE,          Endpoints::block),
        r("POST", "/beak/unblock",                              "unblock",          BEARER, NONE,          Endpoints::unblock),
        r("GET",  "/beak/blocks",                               "listBlocks",       BEARER, NONE,          Endpoints::blocks),
        r("GET",  "/beak/audit",                                "readAudit",        BEARER, Set.of("action", "actor", "resource", "from", "to", "after", "limit"), Endpoints::audit),
        r("GET",  "/beak/audit/verify",                         "verifyAudit",      BEARER, Set.of("head_seq", "head_hash"), Endpoints::auditVerify),
        r("GET",  "/beak/audit/checkpoint",                     "auditCheckpoint",  BEARER, NONE,          Endpoints::auditCheckpoint),
        r("GET",  "/beak/audit/vkeys",                          "auditVerifierKeys", PUBLIC, NONE,         Endpoints::auditVerifierKeys),
        r("GET",  "/beak/audit/proofs/inclusion",               "auditInclusionProof", BEARER, Set.of("seq", "tree_size"), Endpoints::auditInclusionProof),
        r("GET",  "/beak/audit/proofs/consistency",             "auditConsistencyProof", BEARER, Set.of("old_size", "new_size"), Endpoints::auditConsistencyProof));
  }

  /** The table's (method, path) pairs and operation ids, for the contract test against openapi.json. */
  public static List<Route> describe() {
    Endpoint none = c -> {
      throw new IllegalStateException("description only");
    };
    return table(none, none, none, none, none);
  }
}
