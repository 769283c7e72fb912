/**
 * {@code duck}, the operators' command line over an embedded engine, and the runnable demo. Open
 * {@link io.spaceduck.cli.Main} first, then {@code DuckCommand} (the root command: store, KEK and
 * caller-key selection) and {@code ExitCodes} (every refusal's exit code). Each command opens the
 * engine through {@code engine-api}'s builder, does one thing and closes it; nothing here is a
 * library API. Depends on {@code engine-api}, {@code engine-core} (for the development KEK and the
 * offline verifier), {@code storage-spi} (to name missing store providers) and picocli.
 */
@NullMarked
package io.spaceduck.cli;

import org.jspecify.annotations.NullMarked;
