/**
 * The server's settings that hosts pass to {@link io.spaceduck.server.SpaceDuckServer.Builder}: its own
 * package so that both the public face and the implementation ({@code io.spaceduck.server.internal})
 * depend on it without depending on each other both ways (the package graph stays a tree).
 */
@NullMarked
package io.spaceduck.server.config;

import org.jspecify.annotations.NullMarked;
