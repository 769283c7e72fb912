package io.spaceduck.server.hosts;

import io.spaceduck.api.spi.HumanCheck;
import io.spaceduck.api.PeckNotifier;
import io.spaceduck.api.VerificationDelivery;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three host SPIs a server hands to {@code SpaceDuck.builder()}: {@link #humanCheck()}, {@link
 * #verificationDelivery()} and {@link #peckNotifier()}, built from explicit settings ({@link #builder()})
 * or from environment variables ({@link #fromEnvironment()}).
 *
 * <h2>Defaults fail closed</h2>
 *
 * A part that is not configured refuses: without a human check every challenge fails, without a delivery
 * every hatch start is refused (the engine answers its generic rejection), without webhooks nothing is
 * notified (the inbox still works). Only development mode ({@value #DEV_MODE_ENV}{@code =true}, or
 * {@link Builder#devMode}) fills the gaps with a check that passes every challenge and {@link
 * DevModeDelivery}, and says so loudly. Explicit settings always win over development defaults.
 *
 * <h2>Environment variables</h2>
 *
 * <ul>
 *   <li>{@value #DEV_MODE_ENV}: {@code true} for development mode (default {@code false}).
 *   <li>Turnstile, used when {@value TurnstileHumanCheck#SECRET_ENV} is set: see {@link
 *       TurnstileHumanCheck#fromEnvironment()}.
 *   <li>{@value TurnstileHumanCheck#SITE_KEY_ENV}: the Turnstile widget's site key (public, not a
 *       secret), which a server publishes ({@link #turnstileSiteKey()}) so its hatch page shows the
 *       widget. Independent of the secret: a site key without the secret gives widget tokens that no
 *       check verifies (they fail closed, or pass in development mode); the secret without a site key
 *       checks tokens the page cannot produce (hatch through the API or the CLI then).
 *   <li>SMTP, used when {@value SmtpVerificationDelivery#HOST_ENV} is set: see {@link
 *       SmtpVerificationDelivery#fromEnvironment()}.
 *   <li>Webhooks, used when {@value WebhookPeckNotifier#URLS_ENV} is set: see {@link
 *       WebhookPeckNotifier#fromEnvironment()}.
 * </ul>
 *
 * <p>Immutable and thread-safe. {@link #close()} closes the webhook notifier it built (draining it).
 */
public final class HostServices implements AutoCloseable {
  /** {@code true}: development mode (every challenge passes, codes are printed). */
  public static final String DEV_MODE_ENV = "SPACEDUCK_DEV_MODE";

  private static final Logger log = LoggerFactory.getLogger(HostServices.class);

  private final HumanCheck humanCheck;
  private final VerificationDelivery delivery;
  private final PeckNotifier notifier;
  private final @Nullable AutoCloseable owned;
  private final @Nullable String siteKey;
  private final List<String> summary;

  private HostServices(HumanCheck humanCheck, VerificationDelivery delivery, PeckNotifier notifier,
      @Nullable AutoCloseable owned, @Nullable String siteKey, List<String> summary) {
    this.humanCheck = humanCheck;
    this.delivery = delivery;
    this.notifier = notifier;
    this.owned = owned;
    this.siteKey = siteKey;
    this.summary = List.copyOf(summary);
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** From the process environment; development mode prints to {@code System.err}. */
  public static HostServices fromEnvironment() {
    return fromEnvironment(System::getenv, System.err);
  }

  /**
   * From the variables {@code env} returns.
   *
   * @param devOut where development mode prints codes
   * @throws IllegalStateException if a configured part is incomplete or malformed (the message names the
   *     variable, never its value)
   */
  public static HostServices fromEnvironment(Function<String, @Nullable String> env, PrintStream devOut) {
    Env e = new Env(env);
    Builder b = builder().devMode(e.flag(DEV_MODE_ENV, false)).devOutput(devOut);
    if (e.get(TurnstileHumanCheck.SECRET_ENV) != null) {
      b.humanCheck(TurnstileHumanCheck.fromEnv(e));
    }
    String siteKey = e.get(TurnstileHumanCheck.SITE_KEY_ENV);
    if (siteKey != null) {
      if (!TurnstileHumanCheck.isSiteKey(siteKey)) {
        throw new IllegalStateException(TurnstileHumanCheck.SITE_KEY_ENV + " must be 1 to 64 characters of 0-9 A-Z a-z _ -");
      }
      b.turnstileSiteKey(siteKey);
    }
    if (e.get(SmtpVerificationDelivery.HOST_ENV) != null) {
      b.verificationDelivery(SmtpVerificationDelivery.fromEnv(e));
    }
    if (e.get(WebhookPeckNotifier.URLS_ENV) != null) {
      b.webhooks(WebhookPeckNotifier.fromEnv(e).build());
    }
    return b.build();
  }

  /**
   * Whether {@value #DEV_MODE_ENV} asks for development mode ({@code true/yes/1/on} or {@code
   * false/no/0/off}); {@code whenUnset} if it is not set.
   *
   * @throws IllegalStateException if it is set to anything else (the message names the variable)
   */
  public static boolean devModeRequested(Function<String, @Nullable String> env, boolean whenUnset) {
    return new Env(env).flag(DEV_MODE_ENV, whenUnset);
  }

  /** The human check (H1). */
  public HumanCheck humanCheck() {
    return humanCheck;
  }

  /** The verification code delivery (H2). */
  public VerificationDelivery verificationDelivery() {
    return delivery;
  }

  /** The peck notifier (P3); {@link PeckNotifier#NONE} when no webhook is configured. */
  public PeckNotifier peckNotifier() {
    return notifier;
  }

  /**
   * The Turnstile widget's site key ({@value TurnstileHumanCheck#SITE_KEY_ENV}), public, for a server to
   * publish to its hatch page; empty when none is set (the page then shows no widget).
   */
  public Optional<String> turnstileSiteKey() {
    return Optional.ofNullable(siteKey);
  }

  /** One line per part saying what runs, for a server's start-up output; no secret in it. */
  public List<String> summary() {
    return summary;
  }

  /** Closes the webhook notifier built here (it drains first); a notifier given by the caller stays open. */
  @Override
  public void close() {
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception e) {
        log.warn("closing the webhook notifier failed with {}", e.getClass().getSimpleName());
      }
    }
  }

  @Override
  public String toString() {
    return "HostServices" + summary;
  }

  /** Settings for {@link HostServices}. Not thread-safe. */
  public static final class Builder {
    private @Nullable HumanCheck humanCheck;
    private @Nullable VerificationDelivery delivery;
    private @Nullable PeckNotifier notifier;
    private @Nullable WebhookPeckNotifier webhooks;
    private @Nullable String siteKey;
    private boolean devMode;
    private PrintStream devOut = System.err;

    private Builder() {}

    /** The human check (e.g. {@link TurnstileHumanCheck}). */
    public Builder humanCheck(HumanCheck check) {
      this.humanCheck = Objects.requireNonNull(check, "check");
      return this;
    }

    /** The code delivery (e.g. {@link SmtpVerificationDelivery}). */
    public Builder verificationDelivery(VerificationDelivery delivery) {
      this.delivery = Objects.requireNonNull(delivery, "delivery");
      return this;
    }

    /** A peck notifier the caller owns (it is not closed by {@link HostServices#close()}). */
    public Builder peckNotifier(PeckNotifier notifier) {
      this.notifier = Objects.requireNonNull(notifier, "notifier");
      this.webhooks = null;
      return this;
    }

    /** A webhook notifier that {@link HostServices#close()} closes. */
    public Builder webhooks(WebhookPeckNotifier webhooks) {
      this.webhooks = Objects.requireNonNull(webhooks, "webhooks");
      this.notifier = webhooks;
      return this;
    }

    /**
     * The Turnstile widget's site key, public (see {@link HostServices#turnstileSiteKey()}).
     *
     * @throws IllegalArgumentException if it is not 1 to 64 characters of {@code [0-9A-Za-z_-]}
     */
    public Builder turnstileSiteKey(String siteKey) {
      Objects.requireNonNull(siteKey, "siteKey");
      if (!TurnstileHumanCheck.isSiteKey(siteKey)) {
        throw new IllegalArgumentException("a Turnstile site key is 1 to 64 characters of 0-9 A-Z a-z _ -");
      }
      this.siteKey = siteKey;
      return this;
    }

    /** Development mode: missing parts become a passing check and {@link DevModeDelivery}. */
    public Builder devMode(boolean on) {
      this.devMode = on;
      return this;
    }

    /** Where development mode prints (default {@code System.err}). */
    public Builder devOutput(PrintStream out) {
      this.devOut = Objects.requireNonNull(out, "out");
      return this;
    }

    public HostServices build() {
      List<String> summary = new ArrayList<>();
      HumanCheck check = humanCheck;
      if (check != null) {
        summary.add("human check: " + check);
      } else if (devMode) {
        check = (token, source) -> true;
        summary.add("human check: none, every challenge passes (DEVELOPMENT MODE)");
        devOut.println("DEVELOPMENT MODE: the human check passes every challenge");
      } else {
        check = (token, source) -> false;
        summary.add("human check: not configured, every hatch is refused (set " + TurnstileHumanCheck.SECRET_ENV + ")");
      }
      VerificationDelivery d = delivery;
      if (d != null) {
        summary.add("verification delivery: " + d);
      } else if (devMode) {
        d = new DevModeDelivery(devOut);
        summary.add("verification delivery: codes printed to stderr (DEVELOPMENT MODE)");
      } else {
        d = (email, hatch, code, expiresAt) -> {
          throw new DeliveryFailedException();
        };
        summary.add("verification delivery: not configured, every hatch is refused (set " + SmtpVerificationDelivery.HOST_ENV + ")");
      }
      PeckNotifier n = notifier;
      if (n != null) {
        summary.add("peck notifier: " + n);
      } else {
        n = PeckNotifier.NONE;
        summary.add("peck notifier: none (set " + WebhookPeckNotifier.URLS_ENV + " for webhooks)");
      }
      if (siteKey != null) {
        summary.add("Turnstile site key " + siteKey + ": the hatch page shows the widget"
            + (humanCheck == null ? " (no " + TurnstileHumanCheck.SECRET_ENV + ": its tokens are not verified with Cloudflare)" : ""));
      } else if (humanCheck instanceof TurnstileHumanCheck) {
        summary.add("Turnstile site key: none, the hatch page shows no widget (set " + TurnstileHumanCheck.SITE_KEY_ENV + ")");
      }
      return new HostServices(check, d, n, webhooks, siteKey, summary);
    }
  }
}
