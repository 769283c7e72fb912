package io.spaceduck.conformance;

import io.spaceduck.api.Pulse;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Transaction;
import io.spaceduck.storage.UnitOfWork;
import io.spaceduck.storage.Versioned;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The store the engine contract hands to the engine: the backend's store, plus a transcript of
 * everything the engine asked it to persist — every inserted or updated value in its codec encoding,
 * every audit draft, every pulse — also from units that later fail. The contract searches the
 * transcript for raw secrets (I8): whatever the backend does with the bytes, a secret it was never
 * given cannot end up on its disk. Thread-safe.
 */
final class RecordingStorage extends ForwardingStorage {
  /** Secrets shorter than this are matched only where they stand alone (see {@link #leaks}). */
  private static final int SHORT = 16;

  private final StringBuilder transcript = new StringBuilder();

  RecordingStorage(Storage delegate) {
    super(delegate);
  }

  /** The transcript from {@code from} on (one char per byte; values separated by a NUL). */
  synchronized String transcriptFrom(int from) {
    return transcript.substring(Math.min(from, transcript.length()));
  }

  /** The transcript's length so far. */
  synchronized int transcriptLength() {
    return transcript.length();
  }

  private synchronized void note(byte[] bytes) {
    transcript.append(new String(bytes, StandardCharsets.ISO_8859_1)).append('\0');
  }

  private void note(String text) {
    note(text.getBytes(StandardCharsets.UTF_8));
  }

  private <V> void noteValue(Table<V> table, V value) {
    note(table.codec().encode(value));
  }

  private void noteDraft(AuditDraft d) {
    note(String.join("\0", d.action(), d.actor(), d.resource(), d.scope().orElse(""), d.reason().code(),
        String.join("\0", d.details().keySet()), String.join("\0", d.details().values())));
  }

  @Override
  public <T> T execute(UnitOfWork<T> unit) {
    return delegate.execute(tx -> unit.run(new ForwardingTransaction(tx) {
      @Override
      public <V> void insert(Table<V> table, V value) {
        noteValue(table, value);
        super.insert(table, value);
      }

      @Override
      public <V> void update(Table<V> table, Versioned<V> current, V next) {
        noteValue(table, next);
        super.update(table, current, next);
      }

      @Override
      public void appendAudit(AuditDraft draft) {
        noteDraft(draft);
        super.appendAudit(draft);
      }
    }));
  }

  @Override
  public void recordPulse(Pulse pulse) {
    note(pulse.status());
    super.recordPulse(pulse);
  }

  /**
   * The labels of the secrets (label to raw secret) that occur in the transcript from {@code from} on;
   * empty when none does. Labels, not secrets, so a failure message never prints one.
   *
   * <p>A short secret — a six-digit verification code — counts only where it stands alone (no letter
   * or digit right before or after it): stored in the clear it is a field of its own or part of a
   * delimited string, whereas inside the hex of a blind index or a MAC six given digits turn up by
   * chance about once in sixteen million positions, often enough over a long run to be a false alarm.
   */
  List<String> leaks(Map<String, String> secrets, int from) {
    String text = transcriptFrom(from);
    List<String> found = new ArrayList<>();
    secrets.forEach((label, secret) -> {
      String needle = new String(secret.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
      boolean leaked =
          secret.length() >= SHORT
              ? text.contains(needle)
              : Pattern.compile("(?<![0-9A-Za-z])" + Pattern.quote(needle) + "(?![0-9A-Za-z])").matcher(text).find();
      if (leaked) {
        found.add(label);
      }
    });
    return found;
  }
}
