package io.spaceduck.server.internal;

import org.jspecify.annotations.Nullable;

/**
 * What Mission Control's pages may know about this server — the Turnstile widget's site key, public,
 * or none — at {@code GET /beak/config}, and the one change it makes to the static pages' policy: with a
 * site key, the index page (which holds the hatch view) may load Cloudflare's widget script and frame,
 * so its {@code script-src} and {@code frame-src} add {@value #CLOUDFLARE}. Nothing else changes: no
 * other directive, no other page ({@code /cert/…} never), and nothing at all without a site key.
 *
 * <p>Immutable and thread-safe.
 */
public final class PageConfig {
  /** The origin Cloudflare documents for Turnstile's CSP: its script and its challenge frame. */
  static final String CLOUDFLARE = "https://challenges.cloudflare.com";
  /** How long a client may keep {@code /beak/config} (it changes only with a restart). */
  static final String CACHE_CONTROL = "public, max-age=60";

  private final @Nullable String turnstileSiteKey;

  /** {@code turnstileSiteKey}: already validated by the server's builder, or null for none. */
  public PageConfig(@Nullable String turnstileSiteKey) {
    this.turnstileSiteKey = turnstileSiteKey;
  }

  /** {@code {"turnstile_site_key": "<key>"}} or {@code {"turnstile_site_key": null}}, cacheable for a minute. */
  Reply config() {
    var o = JsonCodec.obj();
    if (turnstileSiteKey == null) {
      o.putNull("turnstile_site_key");
    } else {
      o.put("turnstile_site_key", turnstileSiteKey);
    }
    return Reply.ok(o).header("Cache-Control", CACHE_CONTROL);
  }

  /**
   * The policy for the static file at {@code path} (as served: {@code /} is the index page): {@code
   * base} itself, except for the index page when a site key is set.
   */
  String csp(String path, String base) {
    boolean index = path.equals("/") || path.equals("/index.html");
    if (turnstileSiteKey == null || !index) {
      return base;
    }
    String withScript = base.replace("script-src 'self';", "script-src 'self' " + CLOUDFLARE + "; frame-src 'self' " + CLOUDFLARE + ";");
    if (withScript.equals(base) || base.contains("frame-src")) {
      throw new IllegalStateException("the static policy changed shape: PageConfig adds script-src and frame-src to it");
    }
    return withScript;
  }
}
