package io.spaceduck.server.hosts;

import io.spaceduck.api.Email;
import io.spaceduck.api.HatchId;
import io.spaceduck.api.VerificationCode;
import io.spaceduck.api.VerificationDelivery;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.util.MailConnectException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link VerificationDelivery} by SMTP through Jakarta Mail (Eclipse Angus): one plain-text email per
 * hatch, naming the code and when it expires — not the hatch id, not the address, nothing else. Each
 * delivery opens its own connection, so the instance is thread-safe and holds no connection between
 * hatches.
 *
 * <h2>Security guarantees</h2>
 *
 * <ul>
 *   <li>TLS by default: {@link Tls#STARTTLS} refuses to send if the server does not offer STARTTLS;
 *       {@link Tls#SMTPS} is TLS from the first byte. Certificates are verified against the JDK's trust
 *       store (or the one given to {@link Builder#trustStore}) <em>and</em> the host name. Credentials
 *       may go over a connection that might be plain only to a loopback host.
 *   <li>The recipient is hostile text: anything but one plain {@code local@domain} address of printable
 *       ASCII (no CR, LF, space, comma, angle bracket, quote or display name) is refused before any
 *       connection, so it cannot inject a header or add a recipient.
 *   <li>Nothing here logs the address, the code, the hatch id or the password; a failure logs the
 *       exception class and SMTP status only, then throws {@link DeliveryFailedException} (which the
 *       engine turns into its generic hatch rejection).
 * </ul>
 */
public final class SmtpVerificationDelivery implements VerificationDelivery {
  /** How the connection is protected. */
  public enum Tls {
    /** TLS from the first byte (SMTPS, usually port 465). */
    SMTPS,
    /** Plain connect, then STARTTLS, which the server must offer (usually port 587). The default. */
    STARTTLS,
    /** STARTTLS when the server offers it, else plain text. Only for a trusted network. */
    STARTTLS_OPTIONAL,
    /** Plain text. Only for a local relay or a test server. */
    NONE
  }

  /** Mail server host (required by {@link #fromEnvironment}). */
  public static final String HOST_ENV = "SPACEDUCK_SMTP_HOST";
  /** Port; default 465 for SMTPS, else 587. */
  public static final String PORT_ENV = "SPACEDUCK_SMTP_PORT";
  /** The From address (required). */
  public static final String FROM_ENV = "SPACEDUCK_SMTP_FROM";
  /** {@code starttls} (default), {@code starttls-optional}, {@code smtps} or {@code none}. */
  public static final String TLS_ENV = "SPACEDUCK_SMTP_TLS";
  /** User name for SMTP AUTH; unset: no authentication. */
  public static final String USER_ENV = "SPACEDUCK_SMTP_USER";
  /** Password for SMTP AUTH. */
  public static final String PASSWORD_ENV = "SPACEDUCK_SMTP_PASSWORD";
  /** Connect timeout (default 10s). */
  public static final String CONNECT_TIMEOUT_ENV = "SPACEDUCK_SMTP_CONNECT_TIMEOUT";
  /** Read and write timeout (default 30s). */
  public static final String TIMEOUT_ENV = "SPACEDUCK_SMTP_TIMEOUT";

  /** The subject of every verification email. */
  public static final String SUBJECT = "Your Space Duck verification code";

  private static final Logger log = LoggerFactory.getLogger(SmtpVerificationDelivery.class);
  private static final Pattern PLAIN_ADDRESS =
      Pattern.compile("[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");
  private static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7e]{1," + VerificationCode.MAX_LENGTH + "}");
  private static final DateTimeFormatter EXPIRY =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final String host;
  private final int port;
  private final Tls tls;
  private final InternetAddress from;
  private final @Nullable String user;
  private final @Nullable String password;
  private final Clock clock;
  private final Session session;
  private final String protocol;

  private SmtpVerificationDelivery(Builder b, String host, InternetAddress from) {
    this.host = host;
    this.tls = b.tls;
    this.port = b.port != 0 ? b.port : (b.tls == Tls.SMTPS ? 465 : 587);
    this.from = from;
    this.user = b.user;
    this.password = b.password;
    this.clock = b.clock;
    this.protocol = tls == Tls.SMTPS ? "smtps" : "smtp";
    this.session = Session.getInstance(properties(b));
  }

  private Properties properties(Builder b) {
    String p = "mail." + protocol + ".";
    Properties props = new Properties();
    props.put(p + "host", host);
    props.put(p + "port", Integer.toString(port));
    props.put(p + "connectiontimeout", Long.toString(b.connectTimeout.toMillis()));
    props.put(p + "timeout", Long.toString(b.readTimeout.toMillis()));
    props.put(p + "writetimeout", Long.toString(b.readTimeout.toMillis()));
    props.put(p + "from", from.getAddress()); // the envelope sender
    props.put(p + "auth", Boolean.toString(user != null));
    props.put(p + "starttls.enable", Boolean.toString(tls == Tls.STARTTLS || tls == Tls.STARTTLS_OPTIONAL));
    props.put(p + "starttls.required", Boolean.toString(tls == Tls.STARTTLS));
    props.put(p + "ssl.checkserveridentity", "true");
    if (b.heloName != null) {
      props.put(p + "localhost", b.heloName);
    }
    if (b.trustStore != null) {
      props.put(p + "ssl.socketFactory", socketFactory(b.trustStore));
    }
    return props;
  }

  private static SSLSocketFactory socketFactory(KeyStore trustStore) {
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trustStore);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the SMTP trust store cannot be used: " + e.getClass().getSimpleName());
    }
  }

  /** A builder; {@link Builder#host} and {@link Builder#from} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * From the process environment: {@value #HOST_ENV} and {@value #FROM_ENV} (required), {@value #PORT_ENV},
   * {@value #TLS_ENV}, {@value #USER_ENV}, {@value #PASSWORD_ENV}, {@value #CONNECT_TIMEOUT_ENV},
   * {@value #TIMEOUT_ENV}.
   *
   * @throws IllegalStateException if a required variable is missing or a value is malformed (the message
   *     names the variable, never the value)
   */
  public static SmtpVerificationDelivery fromEnvironment() {
    return fromEnvironment(System::getenv);
  }

  /** As {@link #fromEnvironment()}, reading variables through {@code env}. */
  public static SmtpVerificationDelivery fromEnvironment(Function<String, @Nullable String> env) {
    return fromEnv(new Env(env));
  }

  static SmtpVerificationDelivery fromEnv(Env env) {
    Builder b = builder();
    try {
      b.host(env.require(HOST_ENV));
      b.from(env.require(FROM_ENV));
      Integer port = env.integer(PORT_ENV);
      if (port != null) {
        b.port(port);
      }
      String tls = env.get(TLS_ENV);
      if (tls != null) {
        b.tls(parseTls(tls));
      }
      String user = env.get(USER_ENV);
      if (user != null) {
        b.auth(user, env.require(PASSWORD_ENV));
      }
      Duration connect = env.duration(CONNECT_TIMEOUT_ENV);
      if (connect != null) {
        b.connectTimeout(connect);
      }
      Duration timeout = env.duration(TIMEOUT_ENV);
      if (timeout != null) {
        b.readTimeout(timeout);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("SMTP settings: " + e.getMessage());
    }
  }

  private static Tls parseTls(String v) {
    switch (v.toLowerCase(Locale.ROOT)) {
      case "smtps":
        return Tls.SMTPS;
      case "starttls":
        return Tls.STARTTLS;
      case "starttls-optional":
        return Tls.STARTTLS_OPTIONAL;
      case "none":
        return Tls.NONE;
      default:
        throw new IllegalArgumentException(TLS_ENV + " must be starttls, starttls-optional, smtps or none");
    }
  }

  /**
   * Sends the code to {@code email}.
   *
   * @throws DeliveryFailedException if the address is not one plain address, or the server did not take
   *     the message (connection, TLS, authentication or SMTP refusal)
   */
  @Override
  public void deliver(Email email, HatchId hatch, VerificationCode code, Instant expiresAt) {
    InternetAddress to = recipient(email.reveal());
    if (to == null) {
      log.warn("verification email not sent: the recipient is not one plain address");
      throw new DeliveryFailedException();
    }
    if (!PRINTABLE.matcher(code.reveal()).matches()) {
      log.warn("verification email not sent: the code is not printable ASCII");
      throw new DeliveryFailedException();
    }
    try {
      MimeMessage m = new MimeMessage(session);
      m.setFrom(from);
      m.setRecipient(Message.RecipientType.TO, to);
      m.setSubject(SUBJECT, "UTF-8");
      m.setSentDate(Date.from(clock.instant()));
      m.setHeader("Auto-Submitted", "auto-generated"); // RFC 3834: no auto-replies
      m.setText(body(code.reveal(), expiresAt), "UTF-8");
      Transport t = session.getTransport(protocol);
      try {
        t.connect(host, port, user, password);
        t.sendMessage(m, m.getAllRecipients());
      } finally {
        t.close();
      }
    } catch (MessagingException e) {
      log.warn("verification email not sent: {}", describe(e));
      throw new DeliveryFailedException();
    } catch (RuntimeException e) {
      log.warn("verification email not sent: {}", e.getClass().getSimpleName());
      throw new DeliveryFailedException();
    }
  }

  /** The text of the email (plain text; the code on a line of its own). */
  static String body(String code, Instant expiresAt) {
    return "Your Space Duck verification code is:\r\n"
        + "\r\n"
        + "    " + code + "\r\n"
        + "\r\n"
        + "It expires at " + EXPIRY.format(expiresAt) + ". Enter it where you started hatching.\r\n"
        + "\r\n"
        + "If you did not start hatching a Space Duck identity, ignore this email:\r\n"
        + "nothing happens without the code. Never share the code with anyone.\r\n";
  }

  /** One plain address, or null. Checked by pattern first, so no parser sees control characters. */
  static @Nullable InternetAddress recipient(String raw) {
    if (raw.length() > 254 || !PLAIN_ADDRESS.matcher(raw).matches() || raw.contains("..")) {
      return null;
    }
    try {
      InternetAddress a = new InternetAddress(raw, true);
      if (a.isGroup() || a.getPersonal() != null || !raw.equals(a.getAddress())) {
        return null;
      }
      return a;
    } catch (AddressException e) {
      return null;
    }
  }

  private String describe(MessagingException e) {
    if (e instanceof MailConnectException) {
      return "cannot connect to " + host + ":" + port;
    }
    if (e instanceof AuthenticationFailedException) {
      return "the mail server refused the credentials";
    }
    if (e instanceof SMTPAddressFailedException) {
      return "the mail server refused the recipient (SMTP " + ((SMTPAddressFailedException) e).getReturnCode() + ")";
    }
    if (e instanceof SMTPSendFailedException) {
      return "the mail server refused the message (SMTP " + ((SMTPSendFailedException) e).getReturnCode() + ")";
    }
    Exception next = e.getNextException();
    if (next instanceof SMTPAddressFailedException) {
      return "the mail server refused the recipient (SMTP " + ((SMTPAddressFailedException) next).getReturnCode() + ")";
    }
    if (next instanceof javax.net.ssl.SSLException) {
      return "TLS with " + host + ":" + port + " failed (" + next.getClass().getSimpleName()
          + "): is its certificate trusted and issued for this host name?";
    }
    if (next == null && tls == Tls.STARTTLS) {
      return e.getClass().getSimpleName() + " (STARTTLS is required: does the server offer it?)";
    }
    return e.getClass().getSimpleName() + (next == null ? "" : " caused by " + next.getClass().getSimpleName());
  }

  @Override
  public String toString() {
    return "SmtpVerificationDelivery[" + protocol + "://" + host + ":" + port + ", tls=" + tls
        + (user == null ? "" : ", auth=***") + "]";
  }

  /** Settings for a {@link SmtpVerificationDelivery}. Not thread-safe. */
  public static final class Builder {
    private @Nullable String host;
    private int port;
    private @Nullable String from;
    private Tls tls = Tls.STARTTLS;
    private @Nullable String user;
    private @Nullable String password;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration readTimeout = Duration.ofSeconds(30);
    private @Nullable KeyStore trustStore;
    private @Nullable String heloName;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The mail server's host name (required). */
    public Builder host(String host) {
      Objects.requireNonNull(host, "host");
      if (host.isBlank() || !host.matches("[A-Za-z0-9.:\\[\\]-]{1,253}")) {
        throw new IllegalArgumentException("the SMTP host is not a host name or address");
      }
      this.host = host;
      return this;
    }

    /** The port (default 465 for {@link Tls#SMTPS}, else 587). */
    public Builder port(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("the SMTP port must be 1 to 65535");
      }
      this.port = port;
      return this;
    }

    /** The From address, e.g. {@code no-reply@example.com} (required; one plain address). */
    public Builder from(String from) {
      if (recipient(Objects.requireNonNull(from, "from")) == null) {
        throw new IllegalArgumentException("the From address is not one plain address");
      }
      this.from = from;
      return this;
    }

    /** Connection protection (default {@link Tls#STARTTLS}). */
    public Builder tls(Tls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /** SMTP AUTH credentials (default: none). */
    public Builder auth(String user, String password) {
      this.user = Objects.requireNonNull(user, "user");
      this.password = Objects.requireNonNull(password, "password");
      return this;
    }

    /** Time to open the connection (default 10 s). */
    public Builder connectTimeout(Duration t) {
      this.connectTimeout = TurnstileHumanCheck.Builder.positive(t, "connectTimeout");
      return this;
    }

    /** Time each socket read or write may take (default 30 s). */
    public Builder readTimeout(Duration t) {
      this.readTimeout = TurnstileHumanCheck.Builder.positive(t, "readTimeout");
      return this;
    }

    /** Trust these certificates instead of the JDK's (a private CA); host names are still checked. */
    public Builder trustStore(KeyStore trustStore) {
      this.trustStore = Objects.requireNonNull(trustStore, "trustStore");
      return this;
    }

    /** The name sent in EHLO (default: Jakarta Mail's guess of the local host name). */
    public Builder heloName(String name) {
      Objects.requireNonNull(name, "name");
      if (!name.matches("[A-Za-z0-9.-]{1,253}")) {
        throw new IllegalArgumentException("the EHLO name is not a host name");
      }
      this.heloName = name;
      return this;
    }

    /** The clock for the Date header (default UTC system clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * @throws IllegalStateException if host or From is missing
     * @throws IllegalArgumentException if credentials would travel over a connection that may be plain
     *     to a host that is not loopback
     */
    public SmtpVerificationDelivery build() {
      if (host == null || from == null) {
        throw new IllegalStateException("an SMTP host and a From address are required");
      }
      if (user != null && (tls == Tls.NONE || tls == Tls.STARTTLS_OPTIONAL) && !Urls.isLoopback(host)) {
        throw new IllegalArgumentException("SMTP credentials need TLS (starttls or smtps) to a host that is not loopback");
      }
      InternetAddress fromAddress = recipient(from);
      if (fromAddress == null) {
        throw new IllegalArgumentException("the From address is not one plain address");
      }
      return new SmtpVerificationDelivery(this, host, fromAddress);
    }
  }
}
