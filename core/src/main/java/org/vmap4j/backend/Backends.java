package org.vmap4j.backend;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds backends and chooses one by name.
 *
 * <p>Choices: {@code "cpu"}; {@code "gpu"} (the first available backend of kind GPU, an error if
 * there is none); {@code "auto"} (the first available GPU backend, otherwise the CPU); or a
 * backend's own name such as {@code "cuda"}. An explicit choice that cannot run here is an error
 * that says why, never a silent fall-back: only {@code "auto"} falls back.
 *
 * <p>The default for {@code Func.jit(f)} is the system property {@value #PROPERTY} ({@code cpu}
 * when unset).
 */
public final class Backends {
  /** The system property naming the default backend of {@code Func.jit}. */
  public static final String PROPERTY = "vmap4j.backend";

  private Backends() {}

  /** The built-in CPU backend; always available. */
  public static Backend cpu() {
    return CpuBackend.INSTANCE;
  }

  /**
   * The CPU backend followed by every backend registered as a {@code
   * META-INF/services/org.vmap4j.backend.Backend} provider visible to the context class loader. A
   * provider that cannot be instantiated appears as an unavailable backend whose reason is the
   * error, so a broken jar shows up in the error message of an explicit choice.
   */
  public static List<Backend> discovered() {
    List<Backend> all = new ArrayList<>();
    all.add(cpu());
    Iterator<Backend> it = ServiceLoader.load(Backend.class).iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        all.add(it.next());
      } catch (ServiceConfigurationError e) {
        all.add(new Unloadable(e));
      }
    }
    return all;
  }

  /** Chooses among {@link #discovered()}; see the class comment for the choices. */
  public static Backend select(String choice) {
    return select(choice, discovered());
  }

  /** The default backend: {@link #select(String) select}(system property {@value #PROPERTY}). */
  public static Backend fromSystemProperty() {
    String value = System.getProperty(PROPERTY, "cpu");
    try {
      return select(value);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new IllegalStateException("-D" + PROPERTY + "=" + value + ": " + e.getMessage(), e);
    }
  }

  /**
   * Chooses among {@code candidates} (for tests and for callers with their own list).
   *
   * @throws IllegalArgumentException if {@code choice} names no candidate
   * @throws IllegalStateException if the chosen backend, or every GPU backend for {@code "gpu"}, is
   *     unavailable; the message carries each one's reason
   */
  public static Backend select(String choice, List<Backend> candidates) {
    if (choice == null || choice.isBlank()) {
      throw new IllegalArgumentException(
          "backend choice is empty; use auto, cpu, gpu or one of " + names(candidates));
    }
    String c = choice.strip().toLowerCase(Locale.ROOT);
    switch (c) {
      case "cpu":
        return cpu();
      case "auto":
        for (Backend b : candidates) {
          if (b.kind() == Backend.Kind.GPU && b.availability().available()) {
            return b;
          }
        }
        return cpu();
      case "gpu":
        List<String> reasons = new ArrayList<>();
        for (Backend b : candidates) {
          if (b.kind() == Backend.Kind.GPU) {
            Availability a = b.availability();
            if (a.available()) {
              return b;
            }
            reasons.add(b.name() + ": " + a.description());
          }
        }
        if (reasons.isEmpty()) {
          throw new IllegalStateException(
              "backend 'gpu' requested but no GPU backend is on the classpath (add the"
                  + " org.vmap4j:vmap4j-gpu jar); found only "
                  + names(candidates));
        }
        throw new IllegalStateException(
            "backend 'gpu' requested but no GPU backend is available: "
                + String.join("; ", reasons));
      default:
        for (Backend b : candidates) {
          if (b.name().equalsIgnoreCase(c)) {
            Availability a = b.availability();
            if (!a.available()) {
              throw new IllegalStateException(
                  "backend '" + b.name() + "' is not available: " + a.description());
            }
            return b;
          }
        }
        throw new IllegalArgumentException(
            "unknown backend '" + choice + "'; use auto, cpu, gpu or one of " + names(candidates));
    }
  }

  private static List<String> names(List<Backend> candidates) {
    List<String> names = new ArrayList<>();
    candidates.forEach(b -> names.add(b.name()));
    return names;
  }

  /** A registered provider that could not be instantiated. */
  private record Unloadable(ServiceConfigurationError error) implements Backend {
    @Override
    public String name() {
      String m = String.valueOf(error.getMessage());
      // "org.vmap4j.backend.Backend: Provider x.Y could not be instantiated"
      int at = m.indexOf("Provider ");
      return at < 0 ? "unloadable" : m.substring(at + 9).split(" ")[0];
    }

    @Override
    public Kind kind() {
      return Kind.GPU;
    }

    @Override
    public Availability availability() {
      Throwable cause = error.getCause() != null ? error.getCause() : error;
      return Availability.no("the provider could not be loaded: " + cause);
    }

    @Override
    public CompiledProgram compile(Plan plan) {
      throw new IllegalStateException(availability().description());
    }
  }
}
