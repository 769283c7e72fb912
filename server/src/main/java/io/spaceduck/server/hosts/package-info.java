/**
 * Real implementations of the engine's host SPIs for the reference server: {@link
 * io.spaceduck.server.hosts.TurnstileHumanCheck} (Cloudflare Turnstile, H1), {@link
 * io.spaceduck.server.hosts.SmtpVerificationDelivery} and {@link io.spaceduck.server.hosts.DevModeDelivery}
 * (the hatch code, H2), and {@link io.spaceduck.server.hosts.WebhookPeckNotifier} (Standard Webhooks, P3).
 * Open {@link io.spaceduck.server.hosts.HostServices} first: it builds all three from explicit settings or
 * from environment variables. Depends on {@code engine-api} only (plus the JDK HTTP client, Jackson and
 * Angus Mail); nothing here holds engine state, and no class here logs a secret, a token, a code or an
 * email address.
 */
@NullMarked
package io.spaceduck.server.hosts;

import org.jspecify.annotations.NullMarked;
