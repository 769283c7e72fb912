package io.spaceduck.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code duck --version}: duck's version (the build's), the Java runtime it runs on. */
final class VersionProvider implements IVersionProvider {
  static String version() {
    try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version", "");
        if (!v.isBlank() && !v.startsWith("$")) {
          return v;
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "unknown";
  }

  @Override
  public String[] getVersion() {
    return new String[] {
      "duck " + version() + " (Space Duck Trust Engine)", "Java " + System.getProperty("java.version"),
    };
  }
}
