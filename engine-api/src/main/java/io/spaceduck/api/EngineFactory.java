package io.spaceduck.api;

/**
 * Creates engines; implemented by {@code engine-core} and found by {@link SpaceDuckBuilder#build()}
 * with {@link java.util.ServiceLoader} (registered as {@code
 * META-INF/services/io.spaceduck.api.EngineFactory}). It lives beside the builder because it speaks
 * the API's own types ({@link SpaceDuck}, {@link EngineConfig}): in {@code io.spaceduck.api.spi} it
 * would make that package and this one depend on each other. Hosts never call it.
 */
public interface EngineFactory {
  SpaceDuck create(EngineConfig config);
}
