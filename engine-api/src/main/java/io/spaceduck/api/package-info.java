/**
 * The public surface of the Space Duck Trust Engine: what a host application programs against.
 *
 * <p>Start with {@link io.spaceduck.api.SpaceDuck}: {@code SpaceDuck.builder()...build()} opens an
 * engine, whose sub-APIs ({@code hatching()}, {@code certificates()}, {@code keys()},
 * {@code bonds()}, {@code identities()}, {@code audit()}, {@code admin()}) carry every operation.
 * Values here are immutable records with typed ids; secrets ({@link io.spaceduck.api.BeakKey},
 * {@link io.spaceduck.api.VerificationCode}) are not records and never print themselves. Every
 * refusal is a subclass of the sealed {@link io.spaceduck.api.SpaceDuckException} with a stable
 * {@link io.spaceduck.api.ErrorCode}. This package depends on no other Space Duck module.
 */
@NullMarked
package io.spaceduck.api;

import org.jspecify.annotations.NullMarked;
