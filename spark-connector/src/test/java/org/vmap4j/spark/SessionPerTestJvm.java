package org.vmap4j.spark;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The plumbing of a JUnit 5 extension that gives tests one SparkSession per test JVM: a test takes
 * a {@code SparkSession} parameter, the session is started on first use by {@link #start()},
 * started again if a test stopped it, and stopped when all tests have run (a resource in JUnit's
 * root store). Subclasses only say how to start their session; this module's {@link SharedSpark}
 * and the examples' tests (through this module's test-jar) use it.
 */
public abstract class SessionPerTestJvm implements ParameterResolver {
  /** One session per extension class (a test JVM normally uses one). */
  private static final Map<Class<?>, SparkSession> SESSIONS = new HashMap<>();

  /** Starts this extension's session. */
  protected abstract SparkSession start();

  /** The session of this extension, started if there is none or the last one was stopped. */
  public final SparkSession session() {
    synchronized (SESSIONS) {
      SparkSession s = SESSIONS.get(getClass());
      if (s == null || s.sparkContext().isStopped()) {
        s = start();
        SESSIONS.put(getClass(), s);
      }
      return s;
    }
  }

  @Override
  public final boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == SparkSession.class;
  }

  @Override
  public final Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    SparkSession s = session();
    Class<?> owner = getClass();
    context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(
            owner.getName(),
            k -> (ExtensionContext.Store.CloseableResource) () -> stop(owner),
            Object.class);
    return s;
  }

  private static void stop(Class<?> owner) {
    synchronized (SESSIONS) {
      SparkSession s = SESSIONS.remove(owner);
      if (s != null) {
        s.stop();
      }
    }
  }
}
