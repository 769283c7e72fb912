/**
 * The reference HTTP front end: the seeds' {@code /beak/*} API over an embedded engine, on Jetty 12's
 * core handler API with Jackson. Open {@link io.spaceduck.server.SpaceDuckServer} first; its limits
 * are in {@link io.spaceduck.server.config.ServerLimits}. The server calls the engine through engine-api only;
 * the routing table and everything else live in {@code io.spaceduck.server.internal}. The HTTP API is
 * described in {@code docs/http-api.md} and, as a contract, in {@code /beak/openapi.json}.
 */
@NullMarked
package io.spaceduck.server;

import org.jspecify.annotations.NullMarked;
