package org.vmap4j.backend;

import java.util.Objects;

/**
 * Whether a backend can run here.
 *
 * @param available true when programs can be compiled and run
 * @param description what was found (e.g. the device) when available, otherwise why not
 */
public record Availability(boolean available, String description) {
  public Availability {
    Objects.requireNonNull(description, "description");
  }

  public static Availability yes(String description) {
    return new Availability(true, description);
  }

  public static Availability no(String reason) {
    return new Availability(false, reason);
  }
}
