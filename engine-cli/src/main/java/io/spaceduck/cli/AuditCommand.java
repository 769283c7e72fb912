package io.spaceduck.cli;

import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditHead;
import io.spaceduck.api.AuditPage;
import io.spaceduck.api.AuditQuery;
import io.spaceduck.api.AuditVerification;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.ConsistencyProof;
import io.spaceduck.api.InclusionProof;
import io.spaceduck.api.SignedCheckpoint;
import io.spaceduck.api.SignedNote;
import io.spaceduck.core.OfflineAuditVerifier;
import java.time.Clock;
import java.time.ZoneOffset;
import io.spaceduck.api.RateLimited;
import io.spaceduck.api.SpaceDuck;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code duck audit tail|export|verify|checkpoint|vkey|prove|consistency|witness}: the hash-chained
 * audit log (A1–A5) and its transparency ({@code docs/transparency.md}).
 */
@Command(name = "audit", description = "The audit chain: tail, export (JSON Lines), verify (A3); checkpoints, proofs, witness.")
final class AuditCommand extends Group {
  /** Events per read; the API's maximum. */
  static final int PAGE = AuditQuery.MAX_LIMIT;

  @Command(
      name = "tail",
      description = {
        "Show the newest audit events the caller may read (A4).",
        "An admin reads all, an operator those of its governance. One line each:",
        "<seq> <timestamp> <action> by <actor> on <resource> reason <reason>.",
      })
  int tail(
      @Option(names = {"-n", "--lines"}, defaultValue = "20", description = "how many (default: ${DEFAULT-VALUE})") int n,
      @Option(names = "--action", converter = Converters.Text.class, description = "only this action code, e.g. key.revoked") @Nullable String action,
      @Option(names = "--actor", converter = Converters.Text.class, paramLabel = "ID", description = "only events by this identity") @Nullable String actor,
      @Option(names = "--resource", converter = Converters.Text.class, paramLabel = "ID", description = "only events about this resource") @Nullable String resource) {
    if (n < 1) {
      throw CliException.usage("-n must be at least 1");
    }
    BeakKey key = callerKey();
    AuditQuery q = filtered(action, actor, resource);
    try (SpaceDuck duck = open()) {
      List<AuditEvent> events = tail(duck, key, q, n);
      emitList(events, Render::event, Render::eventLine, "no audit events visible to the caller");
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "export",
      description = {
        "Export the audit events the caller may read as JSON Lines, in seq order.",
        "One event per line with its hashes (docs/audit-format.md). Progress goes to stderr on long runs.",
      })
  int export(
      @Option(names = "--out", converter = Converters.FilePath.class, paramLabel = "FILE", description = "write to FILE instead of standard output") @Nullable Path outFile,
      @Option(names = "--after", paramLabel = "SEQ", defaultValue = "0", description = "only events after this seq (default: ${DEFAULT-VALUE})")
          long after,
      @Option(names = "--progress-every", defaultValue = "10000", hidden = true) int progressEvery) {
    if (after < 0) {
      throw CliException.usage("--after must not be negative");
    }
    if (progressEvery < 1) {
      throw CliException.usage("--progress-every must be at least 1");
    }
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      PrintWriter w = out();
      BufferedWriter file = null;
      if (outFile != null) {
        try {
          file = Files.newBufferedWriter(ctx().resolve(outFile.toString()), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw CliException.usage("cannot write " + outFile + ": " + e.getClass().getSimpleName(), e);
        }
        w = new PrintWriter(file);
      }
      long count = 0;
      long nextReport = progressEvery;
      boolean reported = false;
      try {
        AuditQuery q = AuditQuery.all().after(after).limit(PAGE);
        while (true) {
          AuditPage page = readPatiently(duck, key, q);
          for (AuditEvent e : page.events()) {
            w.println(Render.event(e));
            count++;
            if (count == nextReport) {
              err().println("audit export: " + count + " events…");
              err().flush();
              reported = true;
              nextReport += progressEvery;
            }
          }
          if (page.nextAfterSeq().isEmpty()) {
            break;
          }
          q = q.after(page.nextAfterSeq().getAsLong());
        }
      } finally {
        w.flush();
        if (file != null) {
          w.close();
        }
      }
      if (w.checkError()) {
        throw CliException.usage("writing the export failed after " + count + " events (disk full, or the reader went away)");
      }
      if (reported || outFile != null) {
        err().println("audit export: " + count + " events" + (outFile != null ? " written to " + outFile : ""));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "verify",
      description = {
        "Admin: recompute the whole audit chain (A3).",
        "Exit 0 and 'verified N events, head <hex>' when it holds; exit 11 naming the first broken seq",
        "when not. With --expect, also detects truncation.",
      })
  int verify(
      @Option(names = "--expect", paramLabel = "SEQ:HEX", converter = Converters.Head.class,
              description = "a head kept outside the store (printed by an earlier verify) that must still be present")
          @Nullable AuditHead expect) {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      AuditVerification v = expect == null ? duck.audit().verify(key) : duck.audit().verify(key, expect);
      if (!v.valid()) {
        long seq = v.firstBrokenSeq().getAsLong();
        if (json()) {
          out().println(Json.obj().put("valid", false).put("events_verified", v.eventsVerified()).put("first_broken_seq", seq)
              .put("problem", v.problem()));
        }
        throw CliException.exit(ExitCodes.AUDIT_BROKEN,
            "audit chain broken at seq " + seq + v.problem().map(p -> ": " + p).orElse("") + " (" + v.eventsVerified()
                + " events verified before it)");
      }
      Optional<AuditHead> head = v.head();
      if (json()) {
        out().println(Json.obj().put("valid", true).put("events_verified", v.eventsVerified())
            .put("head_seq", head.map(AuditHead::seq)).put("head", head.map(h -> h.hash().hex())));
      } else {
        out().println("verified " + v.eventsVerified() + " events, head " + head.map(h -> h.hash().hex()).orElse("none"));
        head.ifPresent(h -> err().println("duck: keep this head outside the store; audit verify --expect " + h + " detects truncation later"));
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "checkpoint",
      description = {
        "Print a signed checkpoint of the audit tree as it is now (C2SP signed note, docs/audit-format.md).",
        "Whoever may read the audit log may ask. Keep it, or hand it to witnesses.",
      })
  int checkpoint() {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      SignedCheckpoint cp = duck.audit().checkpoint(key);
      if (json()) {
        out().println(Json.obj().put("origin", cp.checkpoint().origin()).put("size", cp.checkpoint().size())
            .put("root", cp.checkpoint().root().hex()).put("note", cp.note().format()));
      } else {
        out().print(cp.note().format());
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "vkey",
      description = {
        "Print the verifier keys of the checkpoint key (C2SP vkey), the signing one first; needs no caller key.",
        "Public: give them to whoever verifies checkpoints (audit witness --vkey, audit consistency --vkey).",
      })
  int vkey() {
    try (SpaceDuck duck = open()) {
      duck.audit().verifierKeys().forEach(out()::println);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "prove",
      description = {
        "Print the inclusion proof of the event at SEQ in the tree of --size events (default: now).",
        "Check it against a checkpoint of that size (docs/audit-format.md, Proofs).",
      })
  int prove(
      @Parameters(paramLabel = "SEQ", description = "the event's seq") long seq,
      @Option(names = "--size", paramLabel = "N", description = "the tree size (default: the current size)") @Nullable Long size) {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      long n = size != null ? size : duck.audit().checkpoint(key).checkpoint().size();
      InclusionProof p = duck.audit().inclusionProof(key, seq, n);
      out().print(p.format());
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "consistency",
      description = {
        "Print the consistency proof from the tree of OLD events to that of NEW events.",
        "OLD and NEW are sizes, or files holding signed checkpoints: then the proof is also checked against",
        "both (with the engine's own verifier keys, or --vkey) and 'consistent: OLD -> NEW' goes to stderr.",
      })
  int consistency(
      @Parameters(index = "0", paramLabel = "OLD", description = "a tree size or a checkpoint file") String older,
      @Parameters(index = "1", paramLabel = "NEW", description = "a tree size or a checkpoint file") String newer,
      @Option(names = "--vkey", paramLabel = "VKEY", description = "a verifier key to check checkpoint files with (repeatable)")
          @Nullable List<String> vkeys) {
    BeakKey key = callerKey();
    try (SpaceDuck duck = open()) {
      Optional<SignedCheckpoint> a = checkpointFile(older);
      Optional<SignedCheckpoint> b = checkpointFile(newer);
      long m = a.map(c -> c.checkpoint().size()).orElseGet(() -> size(older, "OLD"));
      long n = b.map(c -> c.checkpoint().size()).orElseGet(() -> size(newer, "NEW"));
      ConsistencyProof p = duck.audit().consistencyProof(key, m, n);
      if (a.isPresent() && b.isPresent()) {
        OfflineAuditVerifier v = OfflineAuditVerifier.forVerifierKeys(vkeys != null ? vkeys : duck.audit().verifierKeys());
        v.verifyConsistency(v.verifyCheckpoint(a.get().note().format()), v.verifyCheckpoint(b.get().note().format()), p);
        err().println("consistent: " + m + " -> " + n);
      }
      out().print(p.format());
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "witness",
      description = {
        "Act as an offline witness: cosign CHECKPOINT if it extends what was accepted before (C2SP tlog-cosignature).",
        "Verifies CHECKPOINT with the log's --vkey, checks it extends the newest checkpoint of its origin accepted",
        "before (--proof, from audit consistency), remembers it in --state and prints it cosigned. A smaller tree,",
        "another root or a failing proof is refused (exit 6).",
      })
  int witness(
      @Option(names = "--state", required = true, paramLabel = "DIR", converter = Converters.FilePath.class,
              description = "the witness's key and accepted checkpoints") Path state,
      @Option(names = "--vkey", required = true, paramLabel = "VKEY", description = "the log's verifier key (repeatable)") List<String> vkeys,
      @Option(names = "--name", paramLabel = "NAME", defaultValue = "localhost/duck-witness",
              description = "the witness's key name (default: ${DEFAULT-VALUE})") String name,
      @Option(names = "--proof", paramLabel = "FILE", converter = Converters.FilePath.class,
              description = "consistency proof from the size accepted before") @Nullable Path proofFile,
      @Parameters(paramLabel = "CHECKPOINT", description = "a file holding the signed checkpoint") Path checkpointFile) {
    OfflineAuditVerifier v;
    try {
      v = OfflineAuditVerifier.forVerifierKeys(vkeys);
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--vkey: " + e.getMessage());
    }
    String note = read(checkpointFile.toString(), "CHECKPOINT");
    Optional<ConsistencyProof> proof = Optional.empty();
    if (proofFile != null) {
      try {
        proof = Optional.of(ConsistencyProof.parse(read(proofFile.toString(), "--proof")));
      } catch (IllegalArgumentException e) {
        throw CliException.usage("--proof: " + e.getMessage());
      }
    }
    OfflineAuditVerifier.Witness w;
    try {
      w = v.witness(ctx().resolve(state.toString()), name, Clock.fixed(now(), ZoneOffset.UTC));
    } catch (IllegalArgumentException e) {
      throw CliException.usage("--name: " + e.getMessage());
    }
    SignedNote cosigned = w.cosign(note, proof);
    out().print(cosigned.format());
    err().println("duck: witness " + w.verifierKey());
    return ExitCodes.OK;
  }

  private Optional<SignedCheckpoint> checkpointFile(String arg) {
    if (arg.matches("[0-9]{1,19}")) {
      return Optional.empty();
    }
    try {
      return Optional.of(SignedCheckpoint.parse(read(arg, "checkpoint")));
    } catch (IllegalArgumentException e) {
      throw CliException.usage(arg + " is neither a tree size nor a signed checkpoint (" + e.getMessage() + ")");
    }
  }

  private static long size(String arg, String what) {
    try {
      return Long.parseLong(arg);
    } catch (NumberFormatException e) {
      throw CliException.usage(what + " must be a tree size or a checkpoint file");
    }
  }

  private String read(String file, String what) {
    try {
      return Files.readString(ctx().resolve(file), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      throw CliException.usage("cannot read " + what + " " + file + ": " + e.getClass().getSimpleName());
    }
  }

  /**
   * One page; a long export may outrun the caller's rate limit (R1), so it waits as told and goes on
   * rather than failing half-way.
   */
  private static AuditPage readPatiently(SpaceDuck duck, BeakKey key, AuditQuery q) {
    for (int attempt = 1; ; attempt++) {
      try {
        return duck.audit().read(key, q);
      } catch (RateLimited limited) {
        if (attempt >= 30) {
          throw limited;
        }
        try {
          Thread.sleep(Math.max(10, limited.retryAfter().toMillis()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw limited;
        }
      }
    }
  }

  private static AuditQuery filtered(@Nullable String action, @Nullable String actor, @Nullable String resource) {
    AuditQuery q = AuditQuery.all();
    if (action != null) {
      q = q.withAction(action);
    }
    if (actor != null) {
      q = q.withActor(actor);
    }
    if (resource != null) {
      q = q.withResource(resource);
    }
    return q;
  }

  /**
   * The newest {@code n} visible events without reading the whole log: gallop and bisect on "is any
   * visible event after seq x" to find the newest one (O(log N) one-event reads), then read
   * backwards in growing windows until {@code n} are found.
   */
  static List<AuditEvent> tail(SpaceDuck duck, BeakKey key, AuditQuery q, int n) {
    if (!anyAfter(duck, key, q, 0)) {
      return List.of();
    }
    long lo = 0; // an event is visible after lo
    long step = 1;
    while (anyAfter(duck, key, q, lo + step)) {
      lo += step;
      step *= 2;
    }
    long hi = lo + step; // none is visible after hi
    while (hi - lo > 1) {
      long mid = lo + (hi - lo) / 2;
      if (anyAfter(duck, key, q, mid)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    long newest = hi;
    long window = n;
    while (true) {
      long from = Math.max(0, newest - window);
      List<AuditEvent> events = readAll(duck, key, q, from);
      if (events.size() >= n || from == 0) {
        return List.copyOf(events.subList(Math.max(0, events.size() - n), events.size()));
      }
      window *= 2;
    }
  }

  private static boolean anyAfter(SpaceDuck duck, BeakKey key, AuditQuery q, long seq) {
    return !duck.audit().read(key, q.after(seq).limit(1)).events().isEmpty();
  }

  private static List<AuditEvent> readAll(SpaceDuck duck, BeakKey key, AuditQuery q, long after) {
    List<AuditEvent> out = new ArrayList<>();
    AuditQuery page = q.after(after).limit(PAGE);
    while (true) {
      AuditPage p = duck.audit().read(key, page);
      out.addAll(p.events());
      if (p.nextAfterSeq().isEmpty()) {
        return out;
      }
      page = page.after(p.nextAfterSeq().getAsLong());
    }
  }
}
