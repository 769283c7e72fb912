/**
 * The server's implementation: the routing table ({@link io.spaceduck.server.internal.Routes}, open
 * it first), the Jetty handler that runs a route and maps refusals to problem documents
 * ({@link io.spaceduck.server.internal.ApiHandler}), the endpoints (one engine call each), strict JSON
 * and query decoding, and the JSON views of the engine's records. Depends on engine-api, Jetty's core
 * API, Jackson and Micrometer; nothing here is API.
 */
@NullMarked
package io.spaceduck.server.internal;

import org.jspecify.annotations.NullMarked;
