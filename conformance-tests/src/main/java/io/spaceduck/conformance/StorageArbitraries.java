package io.spaceduck.conformance;

import io.spaceduck.api.Agent;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditAction;
import io.spaceduck.api.AuditEvent;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Block;
import io.spaceduck.api.Bond;
import io.spaceduck.api.BondId;
import io.spaceduck.api.BondStatus;
import io.spaceduck.api.CertId;
import io.spaceduck.api.Duckling;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.Identity;
import io.spaceduck.api.IdentityId;
import io.spaceduck.api.IdentityStatus;
import io.spaceduck.api.KeyId;
import io.spaceduck.api.KeyInfo;
import io.spaceduck.api.Peck;
import io.spaceduck.api.PeckId;
import io.spaceduck.api.PeckState;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.api.Revocation;
import io.spaceduck.api.Role;
import io.spaceduck.api.RuleId;
import io.spaceduck.api.StandingRule;
import io.spaceduck.api.Tier;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.Bytes;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.Index;
import io.spaceduck.storage.KeyRecord;
import io.spaceduck.storage.KeysetRecord;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.PendingHatch;
import io.spaceduck.storage.Table;
import io.spaceduck.storage.Tables;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Reusable jqwik {@link Arbitrary arbitraries} for the values a store holds: typed ids, every record
 * of {@link Tables#ALL}, pulses, audit drafts and audit filters. Every generated value is valid (ids
 * have their prefix and base32 body, an admin is a T2 duckling, an agent key and only one has a bond,
 * a revoked bond and only one carries its revocation, a peck's optional fields are those its state
 * implies, a listed block is by its operator), display names contain odd but well-formed
 * Unicode (combining marks, bidi controls, astral emoji, NUL), and instants carry nanoseconds.
 *
 * <p>Primary keys and index keys are plain ASCII so that any backend can use them as column keys.
 * Stateless and thread-safe; every method returns a fresh arbitrary.
 */
public final class StorageArbitraries {
  private StorageArbitraries() {}

  /** Base instant of {@link #auditDrafts()}: drafts fall within ten minutes after it. */
  public static final Instant AUDIT_EPOCH = Instant.parse("2025-03-01T12:00:00Z");

  private static final List<String> OPERATORS =
      List.of("dk_aaaaaaaaaaaaaaaaaaaaaaaaaa", "dk_bbbbbbbbbbbbbbbbbbbbbbbbbb", "dk_cccccccccccccccccccccccccc");
  private static final List<String> ACTORS =
      List.of(
          "system",
          OPERATORS.get(0),
          OPERATORS.get(1),
          OPERATORS.get(2),
          "ag_dddddddddddddddddddddddddd",
          "ag_eeeeeeeeeeeeeeeeeeeeeeeeee");
  private static final List<String> RESOURCES =
      List.of("ag_dddddddddddddddddddddddddd", "bd_ffffffffffffffffffffffffff", "ct_gggggggggggggggggggggggggg", "kkkkkkkkkkkkkkkk");

  /** The actors {@link #auditDrafts()} draws from (small, so that filters match often). */
  public static List<String> auditActors() {
    return ACTORS;
  }

  /** The operators {@link #auditDrafts()} draws scopes from. */
  public static List<String> auditOperators() {
    return OPERATORS;
  }

  /** The resources {@link #auditDrafts()} draws from. */
  public static List<String> auditResources() {
    return RESOURCES;
  }

  // ---------------------------------------------------------------- strings and scalars

  /** Exactly {@code length} lowercase base32 characters ({@code [a-z2-7]}), the body of every id. */
  public static Arbitrary<String> base32(int length) {
    return Arbitraries.strings().withCharRange('a', 'z').withCharRange('2', '7').ofLength(length);
  }

  /**
   * Display names: well-formed Unicode of 0–24 code points from ASCII, Latin-1, combining marks,
   * Greek/Cyrillic, Hebrew/Arabic, bidi and zero-width controls, CJK, private use, noncharacters,
   * astral emoji and mathematical letters, and C0 controls including NUL; plus a few known nasty
   * strings. Never contains an unpaired surrogate (see {@link #malformedStrings()}).
   */
  public static Arbitrary<String> displayNames() {
    Arbitrary<Integer> codePoint =
        Arbitraries.frequencyOf(
            Tuple.of(30, Arbitraries.integers().between(0x20, 0x7e)),
            Tuple.of(3, Arbitraries.integers().between(0x00, 0x1f)),
            Tuple.of(6, Arbitraries.integers().between(0xa0, 0xff)),
            Tuple.of(6, Arbitraries.integers().between(0x300, 0x36f)),
            Tuple.of(4, Arbitraries.integers().between(0x370, 0x4ff)),
            Tuple.of(4, Arbitraries.integers().between(0x590, 0x6ff)),
            Tuple.of(4, Arbitraries.of(0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202e, 0x2066, 0x2069, 0xfeff)),
            Tuple.of(4, Arbitraries.integers().between(0x4e00, 0x4fff)),
            Tuple.of(2, Arbitraries.of(0xe000, 0xf8ff, 0xfffd, 0xfffe, 0xffff)),
            Tuple.of(6, Arbitraries.integers().between(0x1f300, 0x1f9ff)),
            Tuple.of(2, Arbitraries.integers().between(0x1d400, 0x1d7ff)),
            Tuple.of(1, Arbitraries.of(0x10000, 0x10fffd, 0x10ffff, 0x20000)));
    Arbitrary<String> built =
        codePoint.list().ofMaxSize(24).map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size()));
    Arbitrary<String> nasty =
        Arbitraries.of(
            "",
            " ",
            "Duck 🦆",
            "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334a\u0310\u0311lgo",
            "\u202egnp.exe",
            "\u0000",
            "a\u0000b",
            "e\u0301 vs \u00e9",
            "👩‍👩‍👧‍👦",
            "🏳️‍🌈",
            "名前 𠮷野家",
            "\ufeffbom",
            "ſ ß ẞ İ ı",
            "\ud83e\udd86".repeat(40));
    return Arbitraries.frequencyOf(Tuple.of(5, built), Tuple.of(1, nasty));
  }

  /**
   * Strings that are not well-formed UTF-16 (an unpaired surrogate somewhere). A codec must either
   * refuse them or round-trip them exactly, never store a replacement character.
   */
  public static Arbitrary<String> malformedStrings() {
    Arbitrary<Character> lone = Arbitraries.chars().range('\ud800', '\udfff');
    Arbitrary<String> around = Arbitraries.strings().alpha().ofMaxLength(5);
    return Combinators.combine(around, lone, around).as((a, s, b) -> a + s + b).filter(s -> !isWellFormed(s));
  }

  /** Whether every surrogate in {@code s} is part of a pair. */
  public static boolean isWellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return false;
      }
      if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** Short ASCII names for keyed records ({@link MetaRecord}, {@link KeysetRecord}). */
  public static Arbitrary<String> recordNames() {
    return Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('_', '.', '-').ofMinLength(1).ofMaxLength(40);
  }

  /** Free text values (meta values), odd Unicode included. */
  public static Arbitrary<String> texts() {
    return Arbitraries.oneOf(displayNames(), auditText(), Arbitraries.strings().ascii().ofMaxLength(200));
  }

  /**
   * Instants anywhere from year 1 to year 9999 with nanoseconds, plus the epoch and the extremes
   * {@link Instant#MIN} and {@link Instant#MAX}.
   */
  public static Arbitrary<Instant> instants() {
    Arbitrary<Instant> any =
        Combinators.combine(
                Arbitraries.longs().between(-62_135_596_800L, 253_402_300_799L), Arbitraries.integers().between(0, 999_999_999))
            .as(Instant::ofEpochSecond);
    Arbitrary<Instant> recent =
        Combinators.combine(
                Arbitraries.longs().between(1_700_000_000L, 1_900_000_000L), Arbitraries.integers().between(0, 999_999_999))
            .as(Instant::ofEpochSecond);
    return Arbitraries.frequencyOf(
        Tuple.of(4, recent), Tuple.of(4, any), Tuple.of(1, Arbitraries.of(Instant.EPOCH, Instant.MIN, Instant.MAX)));
  }

  /** Byte strings of 0–64 bytes (ciphertexts, MACs). */
  public static Arbitrary<Bytes> bytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(64).map(Bytes::of);
  }

  /** Reason codes: the named ones and random well-formed codes. */
  public static Arbitrary<ReasonCode> reasonCodes() {
    Arbitrary<ReasonCode> named =
        Arbitraries.of(
            ReasonCode.NONE,
            ReasonCode.COMPROMISED,
            ReasonCode.ROTATION,
            ReasonCode.OPERATOR_REQUEST,
            ReasonCode.POLICY_VIOLATION,
            ReasonCode.NO_LONGER_NEEDED,
            ReasonCode.BOND_REVOKED,
            ReasonCode.DELETION_REQUEST,
            ReasonCode.TIER_CHANGE,
            ReasonCode.NOT_PERMITTED);
    Arbitrary<ReasonCode> random =
        Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('_').ofMinLength(1).ofMaxLength(40).map(ReasonCode::of);
    return Arbitraries.frequencyOf(Tuple.of(3, named), Tuple.of(1, random));
  }

  // ---------------------------------------------------------------- ids

  /** {@code dk_} and 26 base32 characters. */
  public static Arbitrary<DucklingId> ducklingIds() {
    return base32(26).map(s -> new DucklingId(DucklingId.PREFIX + s));
  }

  /** {@code ag_} and 26 base32 characters. */
  public static Arbitrary<AgentId> agentIds() {
    return base32(26).map(s -> new AgentId(AgentId.PREFIX + s));
  }

  /** A duckling id or an agent id. */
  public static Arbitrary<IdentityId> identityIds() {
    return Arbitraries.oneOf(ducklingIds(), agentIds());
  }

  /** {@code ct_} and 26 base32 characters. */
  public static Arbitrary<CertId> certIds() {
    return base32(26).map(s -> new CertId(CertId.PREFIX + s));
  }

  /** {@code bd_} and 26 base32 characters. */
  public static Arbitrary<BondId> bondIds() {
    return base32(26).map(s -> new BondId(BondId.PREFIX + s));
  }

  /** {@code ht_} and 26 base32 characters. */
  public static Arbitrary<HatchId> hatchIds() {
    return base32(26).map(s -> new HatchId(HatchId.PREFIX + s));
  }

  /** 16 base32 characters. */
  public static Arbitrary<KeyId> keyIds() {
    return base32(16).map(KeyId::new);
  }

  // ---------------------------------------------------------------- records

  /** Ducklings of every tier and status; an admin is always T2. */
  public static Arbitrary<Duckling> ducklings() {
    Arbitrary<Tier> tier = Arbitraries.of(Tier.class);
    Arbitrary<Boolean> admin = Arbitraries.of(true, false);
    return Combinators.combine(
            ducklingIds(), displayNames(), tier, admin, Arbitraries.of(IdentityStatus.class), instants(), certIds())
        .as(
            (id, name, t, isAdmin, status, at, cert) ->
                isAdmin
                    ? new Duckling(id, name, Tier.T2, EnumSet.of(Role.ADMIN), status, at, cert)
                    : new Duckling(id, name, t, Set.of(), status, at, cert));
  }

  /** Agents of every tier and status. */
  public static Arbitrary<Agent> agents() {
    return Combinators.combine(
            agentIds(),
            bondIds(),
            ducklingIds(),
            displayNames(),
            Arbitraries.of(Tier.class),
            Arbitraries.of(IdentityStatus.class),
            instants(),
            certIds())
        .as(Agent::new);
  }

  /** Ducklings and agents. */
  public static Arbitrary<Identity> identities() {
    return Arbitraries.oneOf(ducklings().map(d -> (Identity) d), agents().map(a -> (Identity) a));
  }

  /** Revocations by a duckling or an agent. */
  public static Arbitrary<Revocation> revocations() {
    return Combinators.combine(identityIds(), instants(), reasonCodes()).as(Revocation::new);
  }

  /** Blind indexes as a backend sees them: base64url of a 32-byte MAC (43 characters). */
  public static Arbitrary<String> blindIndexes() {
    return Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9').withChars('-', '_').ofLength(43);
  }

  /** Contact records: live (blind index and email), erased (neither), or anything in between. */
  public static Arbitrary<ContactRecord> contactRecords() {
    return Combinators.combine(ducklingIds(), blindIndexes().optional(0.8), bytes().optional(0.8)).as(ContactRecord::new);
  }

  /** Key infos: a duckling key has no bond, an agent key has one. */
  public static Arbitrary<KeyInfo> keyInfos() {
    Arbitrary<Tuple.Tuple2<IdentityId, Optional<BondId>>> ownerAndBond =
        identityIds()
            .flatMap(
                owner ->
                    owner instanceof AgentId
                        ? bondIds().map(b -> Tuple.of(owner, Optional.of(b)))
                        : Arbitraries.just(Tuple.of(owner, Optional.<BondId>empty())));
    return Combinators.combine(keyIds(), ownerAndBond, instants(), instants().optional(0.3), revocations().optional(0.3))
        .as((id, ob, created, grace, revoked) -> new KeyInfo(id, ob.get1(), ob.get2(), created, grace, revoked));
  }

  /** Key records: info and a MAC. */
  public static Arbitrary<KeyRecord> keyRecords() {
    return Combinators.combine(keyInfos(), bytes()).as(KeyRecord::new);
  }

  /** Bonds: revoked exactly when a revocation is present. */
  public static Arbitrary<Bond> bonds() {
    return Combinators.combine(bondIds(), agentIds(), ducklingIds(), displayNames(), instants(), revocations().optional(0.4))
        .as(
            (id, agent, op, name, at, rev) ->
                new Bond(id, agent, op, name, at, rev.isPresent() ? BondStatus.REVOKED : BondStatus.ACTIVE, rev));
  }

  /** Compact-JWS-shaped strings (the store never parses them). */
  public static Arbitrary<String> jwsStrings() {
    Arbitrary<String> part =
        Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').withCharRange('0', '9').withChars('-', '_').ofMaxLength(120);
    return Combinators.combine(part, part, part).as((h, p, s) -> h + "." + p + "." + s);
  }

  /** Birth certificates: an agent's names its operator, a duckling's does not. */
  public static Arbitrary<BirthCertificate> birthCertificates() {
    Arbitrary<Tuple.Tuple2<IdentityId, Optional<DucklingId>>> subjectAndOperator =
        identityIds()
            .flatMap(
                s ->
                    s instanceof AgentId
                        ? ducklingIds().map(op -> Tuple.of(s, Optional.of(op)))
                        : Arbitraries.just(Tuple.of(s, Optional.<DucklingId>empty())));
    Arbitrary<String> version = Arbitraries.of("0.1.0", "0.1.0-SNAPSHOT", "1.2.3+build.7", "");
    return Combinators.combine(
            certIds(), subjectAndOperator, displayNames(), Arbitraries.of(Tier.class), instants(), version, certIds().optional(0.4), jwsStrings())
        .as(
            (id, so, name, tier, at, ver, supersedes, jws) ->
                new BirthCertificate(id, so.get1(), name, tier, at, ver, so.get2(), supersedes, jws));
  }

  /** Pending hatches in every state. */
  public static Arbitrary<PendingHatch> pendingHatches() {
    return Combinators.combine(
            hatchIds(),
            displayNames(),
            Combinators.combine(bytes(), blindIndexes().optional(0.8)).as(Tuple::of), // email, its blind index
            bytes(),
            instants(),
            instants(),
            Arbitraries.integers().between(0, Integer.MAX_VALUE).edgeCases(c -> c.add(0, 4, 5, Integer.MAX_VALUE)),
            Arbitraries.of(true, false))
        .as((id, name, email, mac, created, expires, attempts, consumed) ->
            new PendingHatch(id, name, email.get1(), email.get2(), mac, created, expires, attempts, consumed));
  }

  /** Encrypted keysets by name. */
  public static Arbitrary<KeysetRecord> keysetRecords() {
    return Combinators.combine(recordNames(), bytes()).as(KeysetRecord::new);
  }

  /** Store-wide named values. */
  public static Arbitrary<MetaRecord> metaRecords() {
    return Combinators.combine(recordNames(), texts()).as(MetaRecord::new);
  }

  // ---------------------------------------------------------------- pecks, standing rules, blocks

  /** {@code pk_} and 16–40 base32 characters. */
  public static Arbitrary<PeckId> peckIds() {
    return Arbitraries.integers().between(16, 40).flatMap(StorageArbitraries::base32).map(s -> new PeckId(PeckId.PREFIX + s));
  }

  /** {@code sr_} and 16–40 base32 characters. */
  public static Arbitrary<RuleId> ruleIds() {
    return Arbitraries.integers().between(16, 40).flatMap(StorageArbitraries::base32).map(s -> new RuleId(RuleId.PREFIX + s));
  }

  /** Scopes as the engine accepts them: 1–16 tokens of {@code [a-z0-9][a-z0-9:._-]{0,63}}. */
  public static Arbitrary<Set<String>> scopes() {
    Arbitrary<String> first = Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').ofLength(1);
    Arbitrary<String> rest =
        Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars(':', '.', '_', '-').ofMaxLength(63);
    Arbitrary<String> token =
        Arbitraries.frequencyOf(
            Tuple.of(2, Arbitraries.of("chat:read", "chat:write", "files.read", "x")),
            Tuple.of(3, Combinators.combine(first, rest).as(String::concat)));
    return token.set().ofMinSize(1).ofMaxSize(16);
  }

  /** Session durations and standing-rule limits: 1 minute to 30 days, with nanoseconds. */
  public static Arbitrary<Duration> peckDurations() {
    return Combinators.combine(Arbitraries.longs().between(60, 30L * 86_400 - 1), Arbitraries.integers().between(0, 999_999_999))
        .as((s, n) -> Duration.ofSeconds(s, n));
  }

  /** {@link #instants()} without {@link Instant#MIN} and {@link Instant#MAX}: a peck adds durations to them. */
  private static Arbitrary<Instant> finiteInstants() {
    return instants().filter(i -> !i.equals(Instant.MIN) && !i.equals(Instant.MAX));
  }

  /** Who a peck connects: requester, its operator, an optional sponsor, target, its cert and operator, scope. */
  private record Parties(
      PeckId id,
      AgentId requester,
      DucklingId requesterOperator,
      Optional<AgentId> sponsor,
      AgentId target,
      CertId targetCert,
      DucklingId targetOperator,
      Set<String> scope) {
    boolean distinctAgents() {
      return !requester.equals(target) && sponsor.map(s -> !s.equals(requester) && !s.equals(target)).orElse(true);
    }
  }

  /** Requested pecks with the given id (or any id): parties, scope, duration and request lifetime. */
  private static Arbitrary<Peck> requestedPecks(Arbitrary<PeckId> ids) {
    Arbitrary<Parties> parties =
        Combinators.combine(ids, agentIds(), ducklingIds(), agentIds().optional(0.2), agentIds(), certIds(), ducklingIds(), scopes())
            .as(Parties::new)
            .filter(Parties::distinctAgents);
    Arbitrary<Duration> requestTtl = Arbitraries.longs().between(60, 30L * 86_400).map(Duration::ofSeconds);
    return Combinators.combine(parties, peckDurations(), finiteInstants(), requestTtl)
        .as(
            (p, duration, at, ttl) ->
                new Peck(
                    p.id(), p.requester(), p.requesterOperator(), p.sponsor(), p.target(), p.targetCert(), p.targetOperator(),
                    p.scope(), duration, PeckState.REQUESTED, at, at.plus(ttl), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty()));
  }

  /** The requested form of {@code p}: same parties, scope and times, no decision yet. */
  private static Peck asRequested(Peck p) {
    return new Peck(
        p.id(), p.requester(), p.requesterOperator(), p.sponsor(), p.target(), p.targetCert(), p.targetOperator(), p.scope(),
        p.duration(), PeckState.REQUESTED, p.requestedAt(), p.requestExpiresAt(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  /**
   * Every state {@code requested} can reach, with the optional fields that state implies (built with
   * the same {@link Peck} transitions the engine uses): open states carry no closer or reason; an
   * approved peck has its session end, its deciding operator and maybe a standing rule; a declined one
   * names the target as closer; a rejected one its decider; expired and closed ones may have been
   * active.
   */
  private static Arbitrary<Peck> statesOf(Peck requested) {
    Peck accepted = requested.withState(PeckState.ACCEPTED);
    long window = Math.max(1, Duration.between(requested.requestedAt(), requested.requestExpiresAt()).toNanos());
    Arbitrary<Peck> active =
        Combinators.combine(Arbitraries.longs().between(0, window - 1), ruleIds().optional(0.3))
            .as((offset, rule) -> accepted.approved(requested.requestedAt().plusNanos(offset), requested.targetOperator(), rule));
    Arbitrary<Peck> beforeEnd = Arbitraries.oneOf(Arbitraries.just(requested), Arbitraries.just(accepted), active);
    Arbitrary<DucklingId> decider = Arbitraries.oneOf(Arbitraries.just(requested.targetOperator()), ducklingIds());
    Arbitrary<String> closer =
        Arbitraries.oneOf(
            Arbitraries.of(
                requested.requester().value(),
                requested.target().value(),
                requested.requesterOperator().value(),
                requested.targetOperator().value(),
                AuditEvent.SYSTEM_ACTOR),
            ducklingIds().map(DucklingId::value));
    return Arbitraries.oneOf(
        Arbitraries.just(requested),
        Arbitraries.just(accepted),
        active,
        reasonCodes().map(r -> requested.ended(PeckState.DECLINED, requested.target().value(), r, Optional.empty())),
        Combinators.combine(decider, reasonCodes()).as((d, r) -> accepted.ended(PeckState.REJECTED, d.value(), r, Optional.of(d))),
        beforeEnd.map(p -> p.ended(PeckState.EXPIRED, AuditEvent.SYSTEM_ACTOR, ReasonCode.EXPIRED, Optional.empty())),
        Combinators.combine(beforeEnd, closer, reasonCodes()).as((p, by, r) -> p.ended(PeckState.CLOSED, by, r, Optional.empty())));
  }

  /**
   * Pecks in every state (three of seven open, so {@link Tables#PECKS_BY_OPEN} holds some and not
   * others), with a 16–40 character id, an optional sponsor, 1–16 scope tokens and consistent
   * optional fields (see {@link #statesOf}).
   */
  public static Arbitrary<Peck> pecks() {
    return requestedPecks(peckIds()).flatMap(StorageArbitraries::statesOf);
  }

  /** Standing rules, active or not. */
  public static Arbitrary<StandingRule> standingRules() {
    return Combinators.combine(ruleIds(), ducklingIds(), agentIds(), scopes(), peckDurations(), instants(), Arbitraries.of(true, false))
        .as(StandingRule::new);
  }

  /**
   * Blocks: platform-wide (no operator, by an admin duckling) or on an operator's list (by that
   * operator); the blocked identity is a duckling or an agent, never the operator itself.
   */
  public static Arbitrary<Block> blocks() {
    Arbitrary<Block> platform =
        Combinators.combine(identityIds(), ducklingIds(), instants(), reasonCodes())
            .as((blocked, admin, at, r) -> new Block(blocked, Optional.empty(), admin, at, r));
    Arbitrary<Block> listed =
        Combinators.combine(identityIds(), ducklingIds(), instants(), reasonCodes())
            .as((blocked, op, at, r) -> new Block(blocked, Optional.of(op), op, at, r));
    return Arbitraries.oneOf(platform, listed).filter(b -> !b.operator().map(b.blocked()::equals).orElse(false));
  }

  // ---------------------------------------------------------------- pulses

  /** Pulse statuses: what the engine accepts (printable, 1–256 code points) and odd well-formed text. */
  public static Arbitrary<String> pulseStatuses() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, auditText().filter(t -> !t.isBlank())),
        Tuple.of(1, Arbitraries.of("ok", "busy", "🦆 quacking", "é".repeat(256))),
        Tuple.of(1, displayNames()));
  }

  /** Instants for pulses: mostly whole seconds within a few seconds (ties), else nanoseconds anywhere in years 1–9999. */
  public static Arbitrary<Instant> pulseInstants() {
    return Arbitraries.frequencyOf(
        Tuple.of(5, Arbitraries.integers().between(0, 4).map(AUDIT_EPOCH::plusSeconds)),
        Tuple.of(3, Arbitraries.longs().between(-2_000_000_000L, 6_000_000_000L).map(AUDIT_EPOCH::plusNanos)),
        Tuple.of(1, finiteInstants()));
  }

  /** Pulses of {@code agent} (with operator {@code operator}). */
  public static Arbitrary<Pulse> pulsesOf(AgentId agent, DucklingId operator) {
    return Combinators.combine(pulseInstants(), pulseStatuses()).as((at, status) -> new Pulse(agent, operator, at, status));
  }

  /**
   * Values of {@code table}, one of {@link Tables#ALL}.
   *
   * @throws IllegalArgumentException for a table this class does not know
   */
  @SuppressWarnings("unchecked")
  public static <V> Arbitrary<V> valuesOf(Table<V> table) {
    Arbitrary<?> a;
    if (table == Tables.IDENTITIES) {
      a = identities();
    } else if (table == Tables.CONTACTS) {
      a = contactRecords();
    } else if (table == Tables.KEYS) {
      a = keyRecords();
    } else if (table == Tables.BONDS) {
      a = bonds();
    } else if (table == Tables.CERTIFICATES) {
      a = birthCertificates();
    } else if (table == Tables.HATCHES) {
      a = pendingHatches();
    } else if (table == Tables.KEYSETS) {
      a = keysetRecords();
    } else if (table == Tables.META) {
      a = metaRecords();
    } else if (table == Tables.PECKS) {
      a = pecks();
    } else if (table == Tables.RULES) {
      a = standingRules();
    } else if (table == Tables.BLOCKS) {
      a = blocks();
    } else {
      throw new IllegalArgumentException("no arbitrary for table " + table);
    }
    return (Arbitrary<V>) a;
  }

  /**
   * Values of {@code table} with the same primary key as {@code original} (the same kind of identity
   * for {@link Tables#IDENTITIES}): candidates for {@code update}.
   */
  @SuppressWarnings("unchecked")
  public static <V> Arbitrary<V> sameKeyAs(Table<V> table, V original) {
    Object o = original;
    Arbitrary<?> a;
    if (o instanceof Duckling d) {
      a = ducklings().map(x -> new Duckling(d.id(), x.displayName(), x.tier(), x.roles(), x.status(), x.createdAt(), x.currentCert()));
    } else if (o instanceof Agent g) {
      a = agents().map(x -> new Agent(g.id(), x.bond(), x.operator(), x.displayName(), x.tier(), x.status(), x.createdAt(), x.currentCert()));
    } else if (o instanceof ContactRecord c) {
      a = contactRecords().map(x -> new ContactRecord(c.duckling(), x.blindIndex(), x.encryptedEmail()));
    } else if (o instanceof KeyRecord k) {
      a =
          keyRecords()
              .map(
                  x ->
                      new KeyRecord(
                          new KeyInfo(
                              k.info().id(), x.info().owner(), x.info().bond(), x.info().createdAt(), x.info().graceUntil(), x.info().revocation()),
                          x.mac()));
    } else if (o instanceof Bond b) {
      a = bonds().map(x -> new Bond(b.id(), x.agent(), x.operator(), x.agentName(), x.bondedAt(), x.status(), x.revocation()));
    } else if (o instanceof BirthCertificate c) {
      a =
          birthCertificates()
              .map(x -> new BirthCertificate(c.id(), x.subject(), x.displayName(), x.tier(), x.issuedAt(), x.engineVersion(), x.operator(), x.supersedes(), x.jws()));
    } else if (o instanceof PendingHatch h) {
      a =
          pendingHatches()
              .map(x -> new PendingHatch(h.id(), x.displayName(), x.encryptedEmail(), x.emailBlindIndex(), x.codeMac(), x.createdAt(),
                  x.expiresAt(), x.failedAttempts(), x.consumed()));
    } else if (o instanceof KeysetRecord k) {
      a = bytes().map(b -> new KeysetRecord(k.name(), b));
    } else if (o instanceof MetaRecord m) {
      a = texts().map(v -> new MetaRecord(m.name(), v));
    } else if (o instanceof Peck p) {
      // mostly a later state of the same request; sometimes other parties (every index key moves)
      a =
          Arbitraries.frequencyOf(
              Tuple.of(3, statesOf(asRequested(p))),
              Tuple.of(1, requestedPecks(Arbitraries.just(p.id())).flatMap(StorageArbitraries::statesOf)));
    } else if (o instanceof StandingRule r) {
      a =
          Arbitraries.frequencyOf(
              Tuple.of(1, Arbitraries.just(r.deactivated())),
              Tuple.of(
                  2,
                  standingRules()
                      .map(x -> new StandingRule(r.id(), x.operator(), x.target(), x.scope(), x.maxDuration(), x.createdAt(), x.active()))));
    } else if (o instanceof Block b) {
      Arbitrary<IdentityId> by = b.operator().isPresent() ? Arbitraries.just(b.operator().get()) : ducklingIds().map(d -> (IdentityId) d);
      a = Combinators.combine(by, instants(), reasonCodes()).as((who, at, r) -> new Block(b.blocked(), b.operator(), who, at, r));
    } else {
      throw new IllegalArgumentException("no arbitrary for values of table " + table);
    }
    return (Arbitrary<V>) a;
  }

  /** A value of one of {@link Tables#ALL}, the table chosen uniformly. */
  public static Arbitrary<TableValue<?>> tableValues() {
    return Arbitraries.of(Tables.ALL).flatMap(StorageArbitraries::tableValuesOf);
  }

  /** One value of every table of {@link Tables#ALL}, in that order. */
  public static Arbitrary<List<TableValue<?>>> onePerTable() {
    List<Arbitrary<TableValue<?>>> each = new ArrayList<>();
    for (Table<?> t : Tables.ALL) {
      each.add(tableValuesOf(t));
    }
    return Combinators.combine(each).as(List::copyOf);
  }

  private static <V> Arbitrary<TableValue<?>> tableValuesOf(Table<V> table) {
    return valuesOf(table).map(v -> new TableValue<>(table, v));
  }

  /** A value of one of {@link Tables#ALL} and 1–{@code maxUpdates} later values with the same key. */
  public static Arbitrary<Lineage<?>> lineages(int maxUpdates) {
    return Arbitraries.of(Tables.ALL).flatMap(t -> lineagesOf(t, maxUpdates));
  }

  /** A value of {@code table} and 1–{@code maxUpdates} later values with the same key. */
  public static <V> Arbitrary<Lineage<?>> lineagesOf(Table<V> table, int maxUpdates) {
    return valuesOf(table)
        .flatMap(v -> sameKeyAs(table, v).list().ofMinSize(1).ofMaxSize(maxUpdates).map(next -> new Lineage<>(table, v, next)));
  }

  /**
   * Distinct rows: drops every value whose primary key, or whose key in a unique index, an earlier
   * value already has (generators may repeat ids, which would make an insert conflict by accident).
   */
  public static List<TableValue<?>> distinctRows(List<TableValue<?>> values) {
    Set<String> seen = new HashSet<>();
    List<TableValue<?>> out = new ArrayList<>();
    for (TableValue<?> tv : values) {
      List<String> claims = tv.claims();
      if (claims.stream().noneMatch(seen::contains)) {
        seen.addAll(claims);
        out.add(tv);
      }
    }
    return List.copyOf(out);
  }

  // ---------------------------------------------------------------- audit

  /**
   * Audit drafts over small pools of actors, resources and operator scopes, within ten minutes after
   * {@link #AUDIT_EPOCH} (with sub-millisecond parts the draft truncates), and with 0–3 details.
   */
  public static Arbitrary<AuditDraft> auditDrafts() {
    Arbitrary<String> action =
        Arbitraries.frequencyOf(
            Tuple.of(5, Arbitraries.of(AuditAction.values()).map(AuditAction::code)),
            Tuple.of(1, Arbitraries.strings().withCharRange('a', 'z').withChars('.', '_').ofMinLength(1).ofMaxLength(30)));
    Arbitrary<Tuple.Tuple2<String, Optional<String>>> actorAndScope =
        Combinators.combine(Arbitraries.of(ACTORS), Arbitraries.of(OPERATORS).optional(0.6)).as(Tuple::of);
    Arbitrary<Instant> at =
        Combinators.combine(Arbitraries.longs().between(0, 600_000), Arbitraries.integers().between(0, 999_999))
            .as((ms, ns) -> AUDIT_EPOCH.plusMillis(ms).plusNanos(ns));
    Arbitrary<String> version = Arbitraries.of("0.1.0", "0.1.0-SNAPSHOT", "1.2.3+build.7");
    Arbitrary<String> detailKey =
        Arbitraries.strings().withCharRange('a', 'z').withCharRange('0', '9').withChars('_', '.').ofMinLength(1).ofMaxLength(64);
    Arbitrary<String> detailValue =
        Arbitraries.frequencyOf(
            Tuple.of(8, auditText()),
            Tuple.of(1, Arbitraries.of("", "x".repeat(1024), "é".repeat(1024), "🦆".repeat(512))));
    return Combinators.combine(
            action,
            actorAndScope,
            Arbitraries.of(RESOURCES),
            at,
            version,
            reasonCodes(),
            Arbitraries.of(AuditOutcome.class),
            Arbitraries.maps(detailKey, detailValue).ofMaxSize(3))
        .as((a, as, r, t, v, rc, o, d) -> AuditDraft.of(a, as.get1(), r, as.get2(), t, v, rc, o, d));
  }

  /** Short printable text with a little non-ASCII (no control characters): audit detail values. */
  public static Arbitrary<String> auditText() {
    Arbitrary<Integer> cp =
        Arbitraries.frequencyOf(
            Tuple.of(20, Arbitraries.integers().between(0x20, 0x7e)),
            Tuple.of(2, Arbitraries.integers().between(0xa0, 0x24f)),
            Tuple.of(1, Arbitraries.integers().between(0x4e00, 0x4fff)),
            Tuple.of(1, Arbitraries.integers().between(0x1f300, 0x1f9ff)));
    return cp.list().ofMaxSize(40).map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size()));
  }

  /** Audit filters whose conditions come from the same pools as {@link #auditDrafts()}. */
  public static Arbitrary<AuditFilter> auditFilters() {
    Arbitrary<Instant> bound = Arbitraries.longs().between(-1_000, 601_000).map(AUDIT_EPOCH::plusMillis);
    Arbitrary<String> action = Arbitraries.of(AuditAction.values()).map(AuditAction::code);
    return Combinators.combine(
            Arbitraries.of(ACTORS).optional(0.3),
            action.optional(0.3),
            Arbitraries.of(ACTORS).optional(0.3),
            Arbitraries.of(RESOURCES).optional(0.3),
            bound.optional(0.3),
            bound.optional(0.3))
        .as(AuditFilter::new);
  }

  // ---------------------------------------------------------------- value holders

  /**
   * A value and the table it belongs to.
   *
   * @param table the table
   * @param value a value of that table
   */
  public record TableValue<V>(Table<V> table, V value) {
    public TableValue {
      Objects.requireNonNull(table, "table");
      table.cast(Objects.requireNonNull(value, "value"));
    }

    /** The value's primary key. */
    public String key() {
      return table.keyOf(value);
    }

    /** Every (index, index key) the value is indexed under. */
    public List<IndexEntry<V>> indexEntries() {
      List<IndexEntry<V>> out = new ArrayList<>();
      for (Index<V> i : table.indexes()) {
        i.keyOf(value).ifPresent(k -> out.add(new IndexEntry<>(i, k)));
      }
      return List.copyOf(out);
    }

    /** The slots this value occupies: its primary key and its unique index keys. */
    List<String> claims() {
      List<String> out = new ArrayList<>();
      out.add(table.name() + "\u0000" + key());
      for (IndexEntry<V> e : indexEntries()) {
        if (e.index().unique()) {
          out.add(e.index() + "\u0000" + e.indexKey());
        }
      }
      return out;
    }

    /** The same row with another value (same table). */
    public TableValue<V> with(V next) {
      return new TableValue<>(table, next);
    }

    @Override
    public String toString() {
      return table.name() + "[" + key() + "]=" + value;
    }
  }

  /**
   * An index and one of its keys.
   *
   * @param index the index
   * @param indexKey the key within it
   */
  public record IndexEntry<V>(Index<V> index, String indexKey) {
    public IndexEntry {
      Objects.requireNonNull(index, "index");
      Objects.requireNonNull(indexKey, "indexKey");
    }
  }

  /**
   * A row's history: its first value and the values later updates write, all with the same primary
   * key.
   *
   * @param table the table
   * @param first the inserted value
   * @param updates the values of successive updates (at least one)
   */
  public record Lineage<V>(Table<V> table, V first, List<V> updates) {
    public Lineage {
      Objects.requireNonNull(table, "table");
      Objects.requireNonNull(first, "first");
      updates = List.copyOf(updates);
      String key = table.keyOf(table.cast(first));
      for (V u : updates) {
        if (!table.keyOf(table.cast(u)).equals(key)) {
          throw new IllegalArgumentException("every update keeps the primary key");
        }
      }
    }

    /** The primary key. */
    public String key() {
      return table.keyOf(first);
    }

    /** The first value as a {@link TableValue}. */
    public TableValue<V> firstRow() {
      return new TableValue<>(table, first);
    }

    @Override
    public String toString() {
      return table.name() + "[" + key() + "]: " + first + " then " + updates;
    }
  }
}
