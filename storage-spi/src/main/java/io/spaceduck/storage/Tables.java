package io.spaceduck.storage;

import io.spaceduck.api.Agent;
import io.spaceduck.api.BirthCertificate;
import io.spaceduck.api.Block;
import io.spaceduck.api.Bond;
import io.spaceduck.api.Identity;
import io.spaceduck.api.Peck;
import io.spaceduck.api.StandingRule;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Every table the engine uses, with its key, codec and indexes. Names are stable forever. */
public final class Tables {
  private Tables() {}

  /** Ducklings and agents by id; agents indexed by operator. */
  public static final Index<Identity> IDENTITIES_BY_OPERATOR =
      new Index<>("by_operator", false, i -> i instanceof Agent a ? Optional.of(a.operator().value()) : Optional.empty());

  public static final Table<Identity> IDENTITIES =
      table("identities", Identity.class, i -> i.id().value(), Codecs.IDENTITY, List.of(IDENTITIES_BY_OPERATOR));

  /** Unique: one verified email, one duckling (H4). */
  public static final Index<ContactRecord> CONTACTS_BY_BLIND_INDEX =
      new Index<>("by_blind_index", true, ContactRecord::blindIndex);

  public static final Table<ContactRecord> CONTACTS =
      table("contacts", ContactRecord.class, c -> c.duckling().value(), Codecs.CONTACT, List.of(CONTACTS_BY_BLIND_INDEX));

  public static final Index<KeyRecord> KEYS_BY_OWNER =
      new Index<>("by_owner", false, k -> Optional.of(k.info().owner().value()));

  public static final Table<KeyRecord> KEYS =
      table("keys", KeyRecord.class, k -> k.info().id().value(), Codecs.KEY, List.of(KEYS_BY_OWNER));

  public static final Index<Bond> BONDS_BY_OPERATOR =
      new Index<>("by_operator", false, b -> Optional.of(b.operator().value()));

  public static final Table<Bond> BONDS =
      table("bonds", Bond.class, b -> b.id().value(), Codecs.BOND, List.of(BONDS_BY_OPERATOR));

  public static final Index<BirthCertificate> CERTIFICATES_BY_SUBJECT =
      new Index<>("by_subject", false, c -> Optional.of(c.subject().value()));

  public static final Table<BirthCertificate> CERTIFICATES =
      table("certificates", BirthCertificate.class, c -> c.id().value(), Codecs.CERTIFICATE, List.of(CERTIFICATES_BY_SUBJECT));

  /** Pending hatches by the blind index of their email: a deletion request (D1) ends them. */
  public static final Index<PendingHatch> HATCHES_BY_BLIND_INDEX =
      new Index<>("by_blind_index", false, PendingHatch::emailBlindIndex);

  /** Index key of {@link #HATCHES_BY_PENDING}: every hatch row. */
  public static final String PENDING = "pending";

  /** Every hatch row (rows exist only while pending), for the engine's sweep of expired hatches. */
  public static final Index<PendingHatch> HATCHES_BY_PENDING =
      new Index<>("by_pending", false, h -> Optional.of(PENDING));

  public static final Table<PendingHatch> HATCHES =
      table("hatches", PendingHatch.class, h -> h.id().value(), Codecs.HATCH,
          List.of(HATCHES_BY_BLIND_INDEX, HATCHES_BY_PENDING));

  public static final Table<KeysetRecord> KEYSETS =
      table("keysets", KeysetRecord.class, KeysetRecord::name, Codecs.KEYSET, List.of());

  public static final Table<MetaRecord> META =
      table("meta", MetaRecord.class, MetaRecord::name, Codecs.META, List.of());

  /** Pecks by target agent (inbox) — all states; the engine filters. */
  public static final Index<Peck> PECKS_BY_TARGET =
      new Index<>("by_target", false, p -> Optional.of(p.target().value()));

  /** Pecks by requesting agent (cascades). */
  public static final Index<Peck> PECKS_BY_REQUESTER =
      new Index<>("by_requester", false, p -> Optional.of(p.requester().value()));

  /** Pecks by the target's operator (pending approvals). */
  public static final Index<Peck> PECKS_BY_TARGET_OPERATOR =
      new Index<>("by_target_operator", false, p -> Optional.of(p.targetOperator().value()));

  /** Index key of {@link #PECKS_BY_OPEN} for pecks not yet final. */
  public static final String OPEN = "open";

  /** Pecks that are not final ({@code REQUESTED}, {@code ACCEPTED}, {@code ACTIVE}), for expiry sweeps. */
  public static final Index<Peck> PECKS_BY_OPEN =
      new Index<>("by_open", false, p -> p.state().isFinal() ? Optional.empty() : Optional.of(OPEN));

  public static final Table<Peck> PECKS =
      table("pecks", Peck.class, p -> p.id().value(), Codecs.PECK,
          List.of(PECKS_BY_TARGET, PECKS_BY_REQUESTER, PECKS_BY_TARGET_OPERATOR, PECKS_BY_OPEN));

  public static final Index<StandingRule> RULES_BY_TARGET =
      new Index<>("by_target", false, r -> Optional.of(r.target().value()));

  public static final Table<StandingRule> RULES =
      table("standing_rules", StandingRule.class, r -> r.id().value(), Codecs.RULE, List.of(RULES_BY_TARGET));

  /** Owner key of platform-wide blocks in {@link #BLOCKS_BY_OWNER}. */
  public static final String PLATFORM = "platform";

  /** The primary key of a block: {@code <operator id or "platform">|<blocked id>}. */
  public static String blockKey(Optional<io.spaceduck.api.DucklingId> operator, io.spaceduck.api.IdentityId blocked) {
    return operator.map(io.spaceduck.api.DucklingId::value).orElse(PLATFORM) + "|" + blocked.value();
  }

  public static final Index<Block> BLOCKS_BY_OWNER =
      new Index<>("by_owner", false, b -> Optional.of(b.operator().map(io.spaceduck.api.DucklingId::value).orElse(PLATFORM)));

  public static final Table<Block> BLOCKS =
      table("blocks", Block.class, b -> blockKey(b.operator(), b.blocked()), Codecs.BLOCK, List.of(BLOCKS_BY_OWNER));

  /** All tables, for backends that create structures up front. */
  public static final List<Table<?>> ALL =
      List.of(IDENTITIES, CONTACTS, KEYS, BONDS, CERTIFICATES, HATCHES, KEYSETS, META, PECKS, RULES, BLOCKS);

  private static <V> Table<V> table(
      String name, Class<V> type, Function<V, String> key, RecordCodec<V> codec, List<Index<V>> indexes) {
    Table<V> t = new Table<>(name, type, key, codec, indexes);
    indexes.forEach(i -> i.attach(t));
    return t;
  }
}
