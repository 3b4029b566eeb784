package org.vmap4j.cpu;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.codehaus.commons.compiler.CompileException;
import org.codehaus.janino.ClassBodyEvaluator;

/**
 * Compiles generated Java class bodies at run time with Janino and caches the instances by their
 * source text, so each distinct kernel is compiled once per JVM. Generated kernels are plain loops
 * over primitive arrays, which HotSpot then compiles and vectorizes like hand-written code.
 */
public final class KernelCompiler {
  private static final ConcurrentHashMap<String, Object> CACHE = new ConcurrentHashMap<>();
  private static final AtomicInteger COMPILED = new AtomicInteger();

  private KernelCompiler() {}

  /** An instance of a class with the given body that implements {@code iface}; cached. */
  public static <T> T instance(String classBody, Class<T> iface) {
    Object k =
        CACHE.computeIfAbsent(iface.getName() + "\n" + classBody, key -> cook(classBody, iface));
    return iface.cast(k);
  }

  /** How many distinct kernels this JVM has compiled (for tests and diagnostics). */
  public static int compiledCount() {
    return COMPILED.get();
  }

  private static Object cook(String classBody, Class<?> iface) {
    ClassBodyEvaluator evaluator = new ClassBodyEvaluator();
    evaluator.setImplementedInterfaces(new Class<?>[] {iface});
    evaluator.setParentClassLoader(iface.getClassLoader());
    try {
      evaluator.cook(classBody);
      COMPILED.incrementAndGet();
      return evaluator.getClazz().getDeclaredConstructor().newInstance();
    } catch (CompileException e) {
      throw new IllegalStateException(
          "generated kernel does not compile: " + e.getMessage() + "\n" + classBody, e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate generated kernel", e);
    }
  }
}
