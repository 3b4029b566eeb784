package org.vmap4j.spark;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Warnings the connector gives once per JVM and reason: a user who hits the same situation in every
 * transform sees it once, not once per call. Logged through {@link System.Logger} (Spark routes it
 * to its own logging) and kept, so that tests can see what was said.
 */
final class OneTimeWarnings {
  private static final System.Logger LOG = System.getLogger("org.vmap4j.spark");
  private static final Set<String> GIVEN = ConcurrentHashMap.newKeySet();
  private static final List<String> MESSAGES = new CopyOnWriteArrayList<>();

  private OneTimeWarnings() {}

  /** Logs {@code message} unless a warning of this {@code key} was given before in this JVM. */
  static void warn(String key, String message) {
    warn(key, message, null);
  }

  /**
   * Logs {@code message} with {@code cause}'s stack trace (where it went wrong in the user's code),
   * unless a warning of this {@code key} was given before in this JVM.
   */
  static void warn(String key, String message, Throwable cause) {
    if (GIVEN.add(key)) {
      MESSAGES.add(message);
      if (cause == null) {
        LOG.log(System.Logger.Level.WARNING, message);
      } else {
        LOG.log(System.Logger.Level.WARNING, message, cause);
      }
    }
  }

  /** Every warning given in this JVM, in order (for tests). */
  static List<String> given() {
    return List.copyOf(MESSAGES);
  }
}
