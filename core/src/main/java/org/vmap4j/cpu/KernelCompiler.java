package org.vmap4j.cpu;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.codehaus.commons.compiler.CompileException;
import org.codehaus.janino.SimpleCompiler;

/**
 * Compiles generated Java class bodies at run time with Janino and caches the instances by their
 * source text, so each distinct kernel is compiled once per JVM. Generated kernels are plain loops
 * over primitive arrays, which HotSpot then compiles and vectorizes like hand-written code.
 */
public final class KernelCompiler {
  private static final ConcurrentHashMap<String, Object> CACHE = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<List<Object>, Object> BY_KEY = new ConcurrentHashMap<>();
  private static final AtomicInteger COMPILED = new AtomicInteger();
  private static final AtomicLong NAMES = new AtomicLong();

  private KernelCompiler() {}

  /** An instance of a class with the given body that implements {@code iface}; cached. */
  public static <T> T instance(String classBody, Class<T> iface) {
    Object k =
        CACHE.computeIfAbsent(iface.getName() + "\n" + classBody, key -> cook(classBody, iface));
    return iface.cast(k);
  }

  /**
   * As {@link #instance(String, Class)}, looked up by {@code key} (everything the source depends
   * on, with the name of what generates it), so that a kernel called many times does not rebuild
   * and hash its source text on every call: {@code source} runs once per key.
   */
  public static <T> T instance(List<Object> key, Class<T> iface, Supplier<String> source) {
    Object k = BY_KEY.computeIfAbsent(List.of(iface, key), unused -> instance(source.get(), iface));
    return iface.cast(k);
  }

  /** How many distinct kernels this JVM has compiled (for tests and diagnostics). */
  public static int compiledCount() {
    return COMPILED.get();
  }

  private static Object cook(String classBody, Class<?> iface) {
    String name = "org.vmap4j.generated.Kernel" + NAMES.incrementAndGet();
    SimpleCompiler compiler = new SimpleCompiler();
    compiler.setParentClassLoader(iface.getClassLoader());
    try {
      compiler.cook(
          "package org.vmap4j.generated;\n"
              + "public final class "
              + name.substring(name.lastIndexOf('.') + 1)
              + " implements "
              + iface.getCanonicalName()
              + " {\n"
              + classBody
              + "\n}\n");
      KernelLoader loader = new KernelLoader(iface.getClassLoader(), compiler.getBytecodes());
      exportCoreTo(loader.getUnnamedModule());
      Object kernel = loader.loadClass(name).getDeclaredConstructor().newInstance();
      COMPILED.incrementAndGet();
      return kernel;
    } catch (CompileException e) {
      throw new IllegalStateException(
          "generated kernel does not compile: " + e.getMessage() + "\n" + classBody, e);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot instantiate generated kernel", e);
    }
  }

  /**
   * A generated kernel lives in its own class loader's unnamed module. When core is a named module
   * (on the module path), the packages the kernel implements and calls (e.g. {@code
   * org.vmap4j.cpu}) are not exported to it; core exports its packages to that one loader's module
   * here, so the boundary stays closed for everyone else. On the class path core is unnamed and
   * this does nothing.
   */
  private static void exportCoreTo(Module kernelModule) {
    Module core = KernelCompiler.class.getModule();
    if (core.isNamed()) {
      for (String pkg : core.getPackages()) {
        core.addExports(pkg, kernelModule);
      }
    }
  }

  /** Defines the classes of one compiled kernel (Janino's bytecode) on request. */
  private static final class KernelLoader extends ClassLoader {
    private final Map<String, byte[]> classes;

    KernelLoader(ClassLoader parent, Map<String, byte[]> classes) {
      super(parent);
      this.classes = classes;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      byte[] bytes = classes.get(name);
      if (bytes == null) {
        throw new ClassNotFoundException(name);
      }
      return defineClass(name, bytes, 0, bytes.length);
    }
  }
}
