package org.vmap4j.ir;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** This library's version, from the resource the build fills in ("unknown" when it is missing). */
final class LibraryVersion {
  static final String VALUE = load();

  private LibraryVersion() {}

  private static String load() {
    try (InputStream in = LibraryVersion.class.getResourceAsStream("vmap4j-version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "unknown");
      return v.matches("[A-Za-z0-9._+-]{1,64}") ? v : "unknown";
    } catch (IOException e) {
      return "unknown";
    }
  }
}
