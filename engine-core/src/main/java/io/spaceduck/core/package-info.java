/**
 * The engine's public helpers beyond the API: {@link io.spaceduck.core.DevelopmentKek} (a local-file
 * key-encryption key for development) and {@link io.spaceduck.core.OfflineCertificateVerifier} (verify
 * a birth certificate with only a JWK set, as any third party can). The engine itself is built with
 * {@code SpaceDuck.builder()} from {@code engine-api}; its implementation lives in {@code internal}.
 */
@NullMarked
package io.spaceduck.core;

import org.jspecify.annotations.NullMarked;
