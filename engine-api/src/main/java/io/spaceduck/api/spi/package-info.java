/**
 * Interfaces the host implements and hands to the builder: {@link io.spaceduck.api.spi.HumanCheck}
 * (a bot challenge such as Turnstile), {@link io.spaceduck.api.spi.VerificationDelivery} (email),
 * {@link io.spaceduck.api.spi.KekSource} (the key-encryption key, e.g. a KMS). {@link
 * io.spaceduck.api.spi.StorageHandle} and {@link io.spaceduck.api.spi.EngineFactory} are the seams to
 * the storage and core modules, found with {@link java.util.ServiceLoader}; hosts rarely touch them.
 */
@NullMarked
package io.spaceduck.api.spi;

import org.jspecify.annotations.NullMarked;
