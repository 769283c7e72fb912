package io.spaceduck.api.spi;

import io.spaceduck.api.EngineConfig;
import io.spaceduck.api.SpaceDuck;

/**
 * Creates engines; implemented by {@code engine-core} and found by {@link
 * io.spaceduck.api.SpaceDuckBuilder#build()} with {@link java.util.ServiceLoader}.
 */
public interface EngineFactory {
  SpaceDuck create(EngineConfig config);
}
