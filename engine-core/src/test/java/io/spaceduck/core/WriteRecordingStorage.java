package io.spaceduck.core;

import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.UnitOfWork;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A recording {@link Storage} decorator for tests: every value a unit writes through {@link
 * Transaction#insert} or {@link Transaction#update} and every audit draft it appends is recorded —
 * also from attempts the store later refuses — so tests can inspect exactly what the engine tried to
 * persist (H1, H2, I8).
 *
 * <p>The decorators are dynamic proxies that forward every other method unchanged, so they keep
 * compiling and forwarding when the SPI interfaces grow.
 */
final class WriteRecordingStorage {
  /** One value handed to the store. */
  record Write(Table<?> table, Object value) {
    /** The value's codec encoding, read as UTF-8 text (what a byte-level search would see). */
    String encodedText() {
      return new String(encode(table, value), StandardCharsets.UTF_8);
    }

    /** The value's codec encoding, one char per byte. */
    String encodedLatin1() {
      return new String(encode(table, value), StandardCharsets.ISO_8859_1);
    }

    private static <V> byte[] encode(Table<V> t, Object v) {
      return t.codec().encode(t.cast(v));
    }
  }

  final List<Write> writes = new CopyOnWriteArrayList<>();
  final List<AuditDraft> drafts = new CopyOnWriteArrayList<>();
  private final Storage storage;

  WriteRecordingStorage(Storage delegate) {
    this.storage = proxy(Storage.class, delegate, this::onStorage);
  }

  /** The decorated store to hand to an engine. */
  Storage storage() {
    return storage;
  }

  /** Forgets what was recorded so far (e.g. the keysets written when an engine opens). */
  void reset() {
    writes.clear();
    drafts.clear();
  }

  /** The recorded writes to {@code table}. */
  List<Write> writesTo(Table<?> table) {
    return writes.stream().filter(w -> w.table() == table).toList();
  }

  private interface Interceptor {
    /** Returns the arguments to forward with (possibly replaced). */
    Object[] before(Method m, Object[] args);
  }

  private Object[] onStorage(Method m, Object[] args) {
    if (m.getName().equals("execute") && args != null && args.length == 1 && args[0] instanceof UnitOfWork<?> unit) {
      UnitOfWork<Object> wrapped = tx -> unit.run(proxy(Transaction.class, tx, this::onTransaction));
      return new Object[] {wrapped};
    }
    return args;
  }

  private Object[] onTransaction(Method m, Object[] args) {
    switch (m.getName()) {
      case "insert" -> writes.add(new Write((Table<?>) args[0], args[1])); // insert(table, value)
      case "update" -> writes.add(new Write((Table<?>) args[0], args[2])); // update(table, current, next)
      case "appendAudit" -> drafts.add((AuditDraft) args[0]);
      default -> {}
    }
    return args;
  }

  private static <T> T proxy(Class<T> type, T delegate, Interceptor interceptor) {
    InvocationHandler h =
        (p, m, args) -> {
          if (m.getDeclaringClass() == Object.class) {
            return switch (m.getName()) {
              case "equals" -> p == args[0];
              case "hashCode" -> System.identityHashCode(p);
              default -> "recording(" + delegate + ")";
            };
          }
          try {
            return m.invoke(delegate, interceptor.before(m, args));
          } catch (InvocationTargetException e) {
            throw e.getCause(); // the delegate's own exception, unchanged (conflicts, refusals)
          }
        };
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h));
  }
}
