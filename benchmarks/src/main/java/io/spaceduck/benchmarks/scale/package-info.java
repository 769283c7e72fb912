/**
 * Scale benchmarks (issue 8, figure 5), run by hand or with {@code mvn -Pscale}, never in CI. Open
 * {@link io.spaceduck.benchmarks.scale.ScaleLoader} first: it loads a MapDB store with many identities
 * and audit events and records its disk cost; {@link io.spaceduck.benchmarks.scale.ScaleBenchmark}
 * measures latency on two such stores in one JMH run, and {@link io.spaceduck.benchmarks.scale.ScaleHeap}
 * the engine's heap over one. {@code docs/benchmarks.md} has the commands and figures.
 */
@NullMarked
package io.spaceduck.benchmarks.scale;

import org.jspecify.annotations.NullMarked;
