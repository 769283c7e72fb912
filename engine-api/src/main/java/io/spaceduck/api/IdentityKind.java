package io.spaceduck.api;

/** The two kinds of identity (SPEC §1). */
public enum IdentityKind {
  /** A person or organisation that hatched; operators are ducklings. */
  DUCKLING,
  /** An AI agent bonded to a duckling, its operator. */
  AGENT
}
