package io.spaceduck.server.hosts;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/** URL checks shared by the HTTP clients here. */
final class Urls {
  private Urls() {}

  /**
   * An absolute http(s) URL without user info; plain http only to a loopback host (secrets and
   * signatures travel in these requests).
   *
   * @throws IllegalArgumentException otherwise (the message does not echo the URL: it may hold a token)
   */
  static URI requireHttpsUnlessLoopback(URI url, String what) {
    Objects.requireNonNull(url, what);
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!url.isAbsolute() || url.getHost() == null || url.getRawUserInfo() != null) {
      throw new IllegalArgumentException(what + " must be an absolute http(s) URL with a host and no user info");
    }
    if (scheme.equals("https")) {
      return url;
    }
    if (scheme.equals("http") && isLoopback(url.getHost())) {
      return url;
    }
    throw new IllegalArgumentException(what + " must use https (plain http only to a loopback address)");
  }

  static boolean isLoopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.matches("127(\\.\\d{1,3}){3}") || h.equals("[::1]") || h.equals("::1");
  }

  /** What a log line may say about an endpoint: its position and host, never its path or query. */
  static String label(int index, URI url) {
    return "#" + (index + 1) + " (" + url.getHost() + ")";
  }
}
