package io.spaceduck.storage.jdbc;

import static io.spaceduck.storage.jdbc.StoreChecks.assertChain;
import static io.spaceduck.storage.jdbc.StoreChecks.draft;
import static io.spaceduck.storage.jdbc.StoreChecks.insertAudited;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.spaceduck.api.AgentId;
import io.spaceduck.api.AuditOutcome;
import io.spaceduck.api.DucklingId;
import io.spaceduck.api.Pulse;
import io.spaceduck.api.ReasonCode;
import io.spaceduck.storage.AuditDraft;
import io.spaceduck.storage.AuditFilter;
import io.spaceduck.storage.ContactRecord;
import io.spaceduck.storage.MetaRecord;
import io.spaceduck.storage.Storage;
import io.spaceduck.storage.StorageException;
import io.spaceduck.storage.Tables;
import io.spaceduck.storage.UnitOfWork;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input gives a clear refusal: a {@link StorageException} that says what is wrong and where (the
 * location as {@link JdbcStorage#describe} prints it), and never carries a credential (D2); a caller's
 * oversized or malformed text is an {@link IllegalArgumentException} before anything is written.
 */
class JdbcRefusalsTest {
  private static final String SECRET = "wrong-secret-123";

  /** Message and causes hold no credential: what a log line of the exception would show (D2). */
  private static void assertNoSecret(Throwable e) {
    for (Throwable x = e; x != null; x = x.getCause()) {
      assertFalse(String.valueOf(x.getMessage()).contains(SECRET), "a credential leaks: " + x);
      if (x.getCause() == x) {
        break;
      }
    }
  }

  private static StorageException refusedOpen(String url, Map<String, String> options) {
    StorageException e = assertThrows(StorageException.class, () -> new JdbcStorageProvider().open(url, options).close());
    assertNoSecret(e);
    return e;
  }

  private static void assertMentions(Throwable e, String... parts) {
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' missing in: " + e.getMessage());
    }
  }

  /** The base URL of a server database without its query (credentials), e.g. jdbc:postgresql://host:port/db. */
  private static String serverOf(TestDatabase db) {
    String base = db.baseUrl();
    int q = base.indexOf('?');
    return q < 0 ? base : base.substring(0, q);
  }

  // ---- reaching the database ----

  @ParameterizedTest
  @ValueSource(strings = {"jdbc:postgresql://127.0.0.1:1/test", "jdbc:mariadb://127.0.0.1:1/test"})
  @Tag("D2")
  @DisplayName("D2 an unreachable database is refused, naming where, without the password")
  void unreachableDatabase_refused(String where) {
    StorageException e = refusedOpen(where + "?user=sd&password=" + SECRET, Map.of("connectTimeoutMillis", "500"));
    assertMentions(e, "cannot connect to " + where + ":");
  }

  @Test
  @Tag("D2")
  @DisplayName("D2 MariaDB: a wrong password is refused, naming where, without the password")
  void mariadb_wrongPassword_refused() {
    String where = serverOf(TestDatabase.MARIADB);
    StorageException e = refusedOpen(where + "?user=root&password=" + SECRET, Map.of("connectTimeoutMillis", "500"));
    assertMentions(e, "cannot connect to " + where + ":");
    assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains("access denied"), e.getMessage());
  }

  @Test
  @Tag("D2")
  @DisplayName("D2 PostgreSQL: an unknown role is refused, naming where, without the password")
  void postgres_unknownRole_refused() {
    String where = serverOf(TestDatabase.POSTGRES);
    StorageException e =
        refusedOpen(where, Map.of("user", "sd_no_such_role", "password", SECRET, "connectTimeoutMillis", "500"));
    assertMentions(e, "cannot connect to " + where + ":", "sd_no_such_role");
  }

  @Test
  @Tag("D2")
  @DisplayName("D2 the location shown never carries credentials")
  void describe_dropsCredentials() {
    assertEquals("jdbc:postgresql://db:5432/sd", JdbcStorage.describe("jdbc:postgresql://db:5432/sd?user=u&password=" + SECRET));
    assertEquals("jdbc:mysql://db:3306/sd", JdbcStorage.describe("jdbc:mysql://root:" + SECRET + "@db:3306/sd?useSSL=true"));
    assertEquals("jdbc:h2:mem:sd", JdbcStorage.describe("jdbc:h2:mem:sd;USER=sa;PASSWORD=" + SECRET));
    assertEquals("jdbc:mysql://db:3306/sd", JdbcStorage.describe("jdbc:mysql://root:a/b;c" + SECRET + "@db:3306/sd"));
    assertEquals("jdbc:postgresql://db:5432/sd?currentSchema=trust",
        JdbcStorage.describe("jdbc:postgresql://db:5432/sd?password=" + SECRET + "&currentSchema=trust"));
    assertEquals("jdbc:postgresql://db:5432/sd",
        JdbcStorage.describe("jdbc:postgresql://db:5432/sd?currentSchema=x%27" + SECRET), "an odd schema name is dropped, not echoed");
    assertEquals("jdbc:h2:tcp://db/sd", JdbcStorage.describe("jdbc:h2:tcp://sa:" + SECRET + "@db/sd"));
    assertEquals("jdbc:postgresql://db1:5432,db2:5432,db3:5432/sd?currentSchema=trust",
        JdbcStorage.describe("jdbc:postgresql://db1:5432,db2:5432,db3:5432/sd?targetServerType=primary&password=" + SECRET
            + "&currentSchema=trust"), "a multi-host URL (high availability) names every host, keeps no secret");
  }

  @Test
  @DisplayName("a JDBC URL of a database the store does not support is refused before connecting")
  void unsupportedUrl_refused() {
    StorageException e = refusedOpen("jdbc:sqlite:x?password=" + SECRET, Map.of());
    assertMentions(e, "unsupported JDBC URL jdbc:sqlite:x", "jdbc:postgresql:");
    assertThrows(IllegalArgumentException.class, () -> new JdbcStorageProvider().open("mapdb:/tmp/x", Map.of()));
  }

  @Test
  @DisplayName("a host DataSource of a database the store does not support is refused")
  void unsupportedProduct_refused() {
    DataSource sqlite = fakeDatabase("SQLite", "jdbc:sqlite:/var/db/x");
    StorageException e = assertThrows(StorageException.class, () -> JdbcStorage.open(sqlite));
    assertMentions(e, "unsupported database 'SQLite'");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "poolsize=3|unknown option 'poolsize'",
      "maxBatch=many|option 'maxBatch' must be a number",
      "maxBatch=0|maxBatch must be within 1..10000",
      "maxRetries=-1|maxRetries must be within 0..100",
      "poolSize=1|poolSize must be within 2..1000",
      "connectTimeoutMillis=10|connectTimeout must be at least 250 ms",
      "connectTimeoutMillis=1e3|option 'connectTimeoutMillis' must be a number",
      "migrate=yes|migrate must be true or false",
      "groupCommitDelayMicros=100001|groupCommitDelayMicros must be within 0..100000",
      "groupCommitDelayMicros=-1|groupCommitDelayMicros must be within 0..100000",
      "groupCommitDelayMicros=9223372036854775807|groupCommitDelayMicros must be within 0..100000",
      "groupCommitDelayMicros=0.2ms|option 'groupCommitDelayMicros' must be a number"})
  @DisplayName("an unknown or malformed option is refused before connecting, naming the option")
  void badOption_refused(String caseLine) {
    String[] c = caseLine.split("\\|");
    String[] kv = c[0].split("=");
    String where = "jdbc:postgresql://127.0.0.1:1/test"; // never reached: options are checked first
    StorageException e = refusedOpen(where + "?password=" + SECRET, Map.of(kv[0], kv[1], "password", SECRET));
    assertMentions(e, "bad option for " + where + ": ", c[1]);
  }

  // ---- what is in the namespace ----

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("a schema from a newer engine is refused, with or without migration")
  void newerSchema_refused(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try {
      new JdbcStorageProvider().open(ns.url(), Map.of()).close();
      String q = db == TestDatabase.MARIADB ? "`" : "\"";
      try (Connection c = ns.admin(); Statement s = c.createStatement()) { // what Flyway of a newer engine writes
        s.executeUpdate("INSERT INTO " + q + "sd_schema_history" + q + " (" + String.join(", ",
                List.of(q + "installed_rank" + q, q + "version" + q, q + "description" + q, q + "type" + q, q + "script" + q,
                    q + "checksum" + q, q + "installed_by" + q, q + "execution_time" + q, q + "success" + q))
            + ") VALUES (10, '6', 'future', 'SQL', 'V6__future.sql', 0, 'engine-0.2', 1, TRUE)");
      }
      for (String migrate : List.of("true", "false")) {
        StorageException e = refusedOpen(ns.url(), Map.of("migrate", migrate));
        assertMentions(e, JdbcStorage.describe(ns.url()) + " has schema version 6", "newer than this engine knows");
      }
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("a namespace holding tables named like ours but not ours is refused and left untouched")
  void foreignTables_refused(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try {
      try (Connection c = ns.admin(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE sd_identities (id INT PRIMARY KEY, name VARCHAR(40))");
        s.execute("CREATE TABLE sd_audit (line VARCHAR(200))");
      }
      for (String migrate : List.of("true", "false")) {
        StorageException e = refusedOpen(ns.url(), Map.of("migrate", migrate));
        assertMentions(e, JdbcStorage.describe(ns.url()) + " is not a Space Duck database", "[sd_audit, sd_identities]",
            "no sd_schema_history");
      }
      assertEquals(Set.of("sd_audit", "sd_identities"), tables(ns), "nothing created");
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("a namespace holding the host's own tables is accepted; they are left alone; reopening works")
  void hostTables_accepted(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try {
      try (Connection c = ns.admin(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE host_orders (id INT PRIMARY KEY, item VARCHAR(40))");
        s.execute("INSERT INTO host_orders (id, item) VALUES (7, 'duck food')");
        s.execute("CREATE TABLE sd_host_notes (id INT)"); // our prefix, not our name
      }
      try (Storage s = new JdbcStorageProvider().open(ns.url(), Map.of())) {
        insertAudited(s, "a");
      }
      try (Storage s = new JdbcStorageProvider().open(ns.url(), Map.of("migrate", "false"))) {
        insertAudited(s, "b");
        assertChain(s, 2);
      }
      try (Connection c = ns.admin(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, item FROM host_orders")) {
        assertTrue(rs.next());
        assertEquals(7, rs.getInt(1));
        assertEquals("duck food", rs.getString(2));
        assertFalse(rs.next());
      }
      assertTrue(tables(ns).containsAll(Set.of("host_orders", "sd_host_notes", "sd_schema_history", "sd_audit")));
    } finally {
      db.drop(ns);
    }
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("migrate=false on an empty namespace is refused and creates nothing")
  void migrateOff_emptyNamespace_refused(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    try {
      StorageException e = refusedOpen(ns.url(), Map.of("migrate", "false"));
      assertMentions(e, JdbcStorage.describe(ns.url()) + " has no Space Duck schema", "migrate=false");
      assertEquals(Set.of(), tables(ns), "nothing created");
    } finally {
      db.drop(ns);
    }
  }

  // ---- what a unit may hold ----

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("oversized or malformed keys, index keys, values and audit fields are refused before anything is written")
  void limits_refusedBeforeWriting(TestDatabase db) {
    TestDatabase.Namespace ns = db.fresh();
    String key512 = "\ud83e\udd86".repeat(128); // 128 ducks: 256 chars, 512 UTF-8 bytes
    String key513 = key512 + "x";
    String field1024 = "\ud83e\udd86".repeat(256);
    String field1025 = field1024 + "x";
    try (Storage s = new JdbcStorageProvider().open(ns.url(), Map.of())) {
      refused(s, "meta key is longer than 512 UTF-8 bytes", tx -> tx.insert(Tables.META, new MetaRecord(key513, "v")));
      refused(s, "meta key is not well-formed Unicode", tx -> tx.insert(Tables.META, new MetaRecord("k\ud800", "v")));
      refused(s, "not well-formed Unicode", tx -> tx.insert(Tables.META, new MetaRecord("k", "v\udc00")));
      refused(s, "contacts.by_blind_index index key is longer than 512 UTF-8 bytes",
          tx -> tx.insert(Tables.CONTACTS, contact(key513)));
      refused(s, "contacts.by_blind_index index key is not well-formed Unicode",
          tx -> tx.insert(Tables.CONTACTS, contact("b\ud800")));
      refused(s, "audit actor is longer than 1024 UTF-8 bytes", tx -> tx.appendAudit(draft("meta.set", field1025, "r")));
      refused(s, "audit resource is longer than 1024 UTF-8 bytes", tx -> tx.appendAudit(draft("meta.set", "a", field1025)));
      refused(s, "audit action is longer than 1024 UTF-8 bytes", tx -> tx.appendAudit(draft(field1025, "a", "r")));
      refused(s, "audit scope is longer than 1024 UTF-8 bytes", tx -> tx.appendAudit(
          AuditDraft.of("meta.set", "a", "r", Optional.of(field1025), Instant.EPOCH, "0.1.0", ReasonCode.NONE,
              AuditOutcome.SUCCESS, Map.of())));
      IllegalArgumentException pulse = assertThrows(IllegalArgumentException.class,
          () -> s.recordPulse(new Pulse(new AgentId("ag_" + "a".repeat(26)), new DucklingId("dk_" + "b".repeat(26)), Instant.EPOCH, "\udc00")));
      assertMentions(pulse, "not well-formed Unicode");

      // nothing of any of them was written
      assertTrue(s.get(Tables.META, "ok").isEmpty());
      assertTrue(s.get(Tables.META, "k").isEmpty());
      assertTrue(s.get(Tables.CONTACTS, "dk_" + "c".repeat(26)).isEmpty());
      assertTrue(s.latestPulse(new AgentId("ag_" + "a".repeat(26))).isEmpty());
      assertChain(s, 0);

      // what fits exactly is stored and read back; reads of what cannot be stored simply miss
      s.execute(tx -> {
        tx.insert(Tables.META, new MetaRecord(key512, "v"));
        tx.insert(Tables.CONTACTS, contact(key512));
        tx.appendAudit(draft("meta.set", field1024, field1024));
        return null;
      });
      assertEquals("v", s.get(Tables.META, key512).orElseThrow().value().value());
      assertEquals(1, s.findBy(Tables.CONTACTS_BY_BLIND_INDEX, key512).size());
      assertEquals(field1024, assertChain(s, 1).get(0).actor());
      assertTrue(s.get(Tables.META, key513).isEmpty());
      assertTrue(s.get(Tables.META, "k\ud800").isEmpty());
      assertTrue(s.findBy(Tables.CONTACTS_BY_BLIND_INDEX, key513).isEmpty());
      assertTrue(s.auditQuery(new AuditFilter(Optional.empty(), Optional.empty(), Optional.of("a\ud800"), Optional.empty(), Optional.empty(), Optional.empty()), 0, 10).isEmpty());
    } finally {
      db.drop(ns);
    }
  }

  /** The unit (which also inserts a good row and an audit event) is refused with a message holding {@code what}. */
  private static void refused(Storage s, String what, java.util.function.Consumer<io.spaceduck.storage.Transaction> bad) {
    UnitOfWork<Void> unit = tx -> {
      tx.insert(Tables.META, new MetaRecord("ok", "v"));
      tx.appendAudit(draft("meta.set", "a", "ok"));
      bad.accept(tx);
      return null;
    };
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.execute(unit));
    assertMentions(e, what);
  }

  private static ContactRecord contact(String blindIndex) {
    return new ContactRecord(new DucklingId("dk_" + "c".repeat(26)), Optional.of(blindIndex), Optional.empty());
  }

  // ---- after close ----

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  @DisplayName("every operation after close fails with a StorageException; close is idempotent; a host pool stays open")
  void afterClose_everyOperationFails(TestDatabase db) throws SQLException {
    TestDatabase.Namespace ns = db.fresh();
    HikariDataSource pool = new HikariDataSource();
    pool.setJdbcUrl(ns.url());
    pool.setMaximumPoolSize(3);
    try {
      JdbcStorage s = JdbcStorage.open(pool);
      insertAudited(s, "a");
      s.close();
      s.close(); // idempotent
      AgentId agent = new AgentId("ag_" + "a".repeat(26));
      List<Executable> ops = List.of(
          () -> insertAudited(s, "b"),
          () -> s.execute(tx -> tx.get(Tables.META, "a")),
          () -> s.get(Tables.META, "a"),
          () -> s.findBy(Tables.CONTACTS_BY_BLIND_INDEX, "x"),
          () -> s.auditHead(),
          () -> s.auditRange(1, 10),
          () -> s.auditQuery(AuditFilter.ALL, 0, 10),
          () -> s.recordPulse(new Pulse(agent, new DucklingId("dk_" + "b".repeat(26)), Instant.EPOCH, "ok")),
          () -> s.latestPulse(agent),
          () -> s.pulseHistory(agent, 10),
          () -> s.deletePulsesBefore(Instant.EPOCH));
      for (Executable op : ops) {
        StorageException e = assertThrows(StorageException.class, op);
        assertMentions(e, s.describe() + " is closed");
      }
      assertFalse(pool.isClosed(), "the host's pool is the host's");
      try (Storage again = JdbcStorage.open(pool)) { // and still serves a new store with what was committed
        assertChain(again, 1);
      }
    } finally {
      pool.close();
      db.drop(ns);
    }
  }

  // ---- helpers ----

  /** The lower-case names of the tables in the namespace. */
  private static Set<String> tables(TestDatabase.Namespace ns) throws SQLException {
    try (Connection c = ns.admin()) {
      DatabaseMetaData md = c.getMetaData();
      Set<String> names = new TreeSet<>();
      try (ResultSet rs = md.getTables(c.getCatalog(), c.getSchema(), null, new String[] {"TABLE"})) {
        while (rs.next()) {
          names.add(rs.getString("TABLE_NAME").toLowerCase(Locale.ROOT));
        }
      }
      return names;
    }
  }

  /** A DataSource whose connections claim to be another product. */
  private static DataSource fakeDatabase(String product, String url) {
    DatabaseMetaData md = (DatabaseMetaData) Proxy.newProxyInstance(JdbcRefusalsTest.class.getClassLoader(),
        new Class<?>[] {DatabaseMetaData.class}, (p, m, a) -> switch (m.getName()) {
          case "getDatabaseProductName" -> product;
          case "getURL" -> url;
          default -> throw new UnsupportedOperationException(m.getName());
        });
    Connection c = (Connection) Proxy.newProxyInstance(JdbcRefusalsTest.class.getClassLoader(), new Class<?>[] {Connection.class},
        (p, m, a) -> switch (m.getName()) {
          case "getMetaData" -> md;
          case "close" -> null;
          default -> throw new UnsupportedOperationException(m.getName());
        });
    return (DataSource) Proxy.newProxyInstance(JdbcRefusalsTest.class.getClassLoader(), new Class<?>[] {DataSource.class},
        (p, m, a) -> switch (m.getName()) {
          case "getConnection" -> c;
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }
}
