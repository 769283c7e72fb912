/**
 * The reference HTTP front end: the seeds' {@code /beak/*} API over an embedded engine.
 */
@NullMarked
package io.spaceduck.server;

import org.jspecify.annotations.NullMarked;
