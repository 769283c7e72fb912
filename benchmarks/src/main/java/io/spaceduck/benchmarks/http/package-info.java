/**
 * The HTTP benchmark of issue 17: {@link io.spaceduck.benchmarks.http.HttpBenchServer} serves an
 * engine with the benchmark-only bare endpoint; {@code benchmarks/http/run.sh} drives it with
 * {@code wrk}. See docs/benchmarks.md.
 */
@NullMarked
package io.spaceduck.benchmarks.http;

import org.jspecify.annotations.NullMarked;
