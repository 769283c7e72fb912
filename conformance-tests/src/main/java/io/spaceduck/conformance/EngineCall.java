package io.spaceduck.conformance;

import io.spaceduck.api.ErrorCode;
import io.spaceduck.api.SpaceDuckException;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What one call to the engine did, as the engine contract's models read it: it returned a result, or
 * the engine refused it with an {@link ErrorCode} — told by the refusal's {@link
 * SpaceDuckException#code()}, never by its message (messages are for people; the code is the stable
 * contract a front end maps too).
 *
 * @param result what the call returned (null when refused, or when it returned null)
 * @param refusal the code of the refusal; empty when the call returned
 * @param <T> the call's result
 */
record EngineCall<T>(T result, Optional<ErrorCode> refusal) {
  /**
   * The refusals a model can expect of a call. {@code RATE_LIMITED} (the contract's limits are too
   * generous to matter), {@code UNAVAILABLE} (a store failure) and {@code REJECTED} (hatching, which the
   * models check on their own) are not among them.
   */
  static final Set<ErrorCode> MODELLED =
      EnumSet.of(ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND, ErrorCode.CONFLICT, ErrorCode.INVALID_INPUT);

  /**
   * Runs {@code body}.
   *
   * @param unexpected the failure to throw for a refusal outside {@link #MODELLED} or a caller mistake
   *     ({@link IllegalStateException}, {@link IllegalArgumentException}, {@link NullPointerException}),
   *     given what was thrown
   */
  static <T> EngineCall<T> run(Supplier<T> body, Function<RuntimeException, AssertionError> unexpected) {
    try {
      return new EngineCall<>(body.get(), Optional.empty());
    } catch (SpaceDuckException e) {
      if (!MODELLED.contains(e.code())) {
        throw unexpected.apply(e);
      }
      return new EngineCall<>(null, Optional.of(e.code()));
    } catch (IllegalStateException | IllegalArgumentException | NullPointerException e) {
      throw unexpected.apply(e);
    }
  }
}
