/**
 * The plug-in points that need nothing of the API's vocabulary: {@link
 * io.spaceduck.api.spi.HumanCheck} (a bot challenge such as Turnstile), {@link
 * io.spaceduck.api.spi.KekSource} (the key-encryption key, e.g. a KMS) and {@link
 * io.spaceduck.api.spi.StorageHandle} (the seam to the storage modules: every {@code
 * io.spaceduck.storage.Storage} is one).
 *
 * <p>This package depends on no other package of ours; {@code io.spaceduck.api} depends on it, never
 * the other way round. Callbacks that receive the API's values ({@link
 * io.spaceduck.api.VerificationDelivery}, {@link io.spaceduck.api.PeckNotifier}) and the engine seam
 * ({@link io.spaceduck.api.EngineFactory}, {@link io.spaceduck.api.EngineConfig}) therefore live in
 * {@code io.spaceduck.api}, next to the types they speak (issue 16). Open {@code KekSource} first.
 */
@NullMarked
package io.spaceduck.api.spi;

import org.jspecify.annotations.NullMarked;
