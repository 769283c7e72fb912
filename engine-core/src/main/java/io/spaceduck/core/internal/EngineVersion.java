package io.spaceduck.core.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The engine version recorded in certificates and audit events: the {@code Implementation-Version}
 * of the engine-core jar manifest, or, when running from classes (tests), the build's filtered
 * {@code engine-version.properties}.
 */
final class EngineVersion {
  private static final String VERSION = read();

  private EngineVersion() {}

  static String get() {
    return VERSION;
  }

  private static String read() {
    String fromManifest = EngineVersion.class.getPackage().getImplementationVersion();
    if (fromManifest != null && !fromManifest.isBlank()) {
      return fromManifest;
    }
    try (InputStream in = EngineVersion.class.getResourceAsStream("engine-version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("engine.version");
        if (v != null && !v.isBlank() && !v.startsWith("$")) {
          return v;
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "unknown";
  }
}
