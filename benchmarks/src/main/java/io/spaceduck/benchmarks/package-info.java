/**
 * JMH benchmarks. Open {@link io.spaceduck.benchmarks.MapDbStorageBenchmark} first: durable units and
 * pulses per second on one MapDB store with 1, 2 and 8 client threads. Depends on the storage modules
 * only; CI compiles this module but never runs it — {@code docs/benchmarks.md} says how, and records
 * figures with the machine they were measured on.
 */
@NullMarked
package io.spaceduck.benchmarks;

import org.jspecify.annotations.NullMarked;
