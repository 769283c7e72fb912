package io.spaceduck.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.SpaceDuckException;
import org.junit.jupiter.api.function.Executable;

/** Assertions on the engine's refusals, shared by the facet tests. */
final class Refusals {
  private Refusals() {}

  /** Asserts that {@code call} is refused with this exception type and error code; returns the refusal. */
  static <E extends SpaceDuckException> E refused(Class<E> type, ErrorCode code, Executable call) {
    E e = assertThrows(type, call);
    assertEquals(code, e.code());
    return e;
  }
}
