/**
 * The public surface of the Space Duck Trust Engine: what a host application programs against.
 *
 * <p>Start with {@link io.spaceduck.api.SpaceDuck}: {@code SpaceDuck.builder()...build()} opens an
 * engine, whose sub-APIs ({@code hatching()}, {@code certificates()}, {@code keys()},
 * {@code bonds()}, {@code identities()}, {@code audit()}, {@code admin()}) carry every operation.
 * Values here are immutable records with typed ids; secrets ({@link io.spaceduck.api.BeakKey},
 * {@link io.spaceduck.api.VerificationCode}) are not records and never print themselves. Every
 * refusal is a subclass of the sealed {@link io.spaceduck.api.SpaceDuckException} with a stable
 * {@link io.spaceduck.api.ErrorCode}. The host callbacks that receive these values ({@link
 * io.spaceduck.api.VerificationDelivery}, {@link io.spaceduck.api.PeckNotifier}) and the engine seam
 * ({@link io.spaceduck.api.EngineFactory}, {@link io.spaceduck.api.EngineConfig}) live here too. This
 * package depends only on {@code io.spaceduck.api.spi} (which depends on nothing of ours) and on no
 * other Space Duck module.
 */
@NullMarked
package io.spaceduck.api;

import org.jspecify.annotations.NullMarked;
