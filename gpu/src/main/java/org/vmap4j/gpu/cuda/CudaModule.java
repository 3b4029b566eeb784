package org.vmap4j.gpu.cuda;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import org.vmap4j.gpu.ptx.PtxCompilationException;
import org.vmap4j.gpu.ptx.PtxCompiler;

/**
 * A loaded GPU module holding one kernel entry. The PTX is compiled to a cubin for the device's
 * architecture by {@link PtxCompiler} (errors then name the PTX line, in-process); only where the
 * bundled compiler does not know the architecture (newer than it) is the PTX handed to the driver's
 * JIT instead. Closed explicitly ({@code cuModuleUnload}).
 */
public final class CudaModule implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(CudaModule.class.getName());

  /**
   * Cubins by architecture and PTX, so that the same kernel in many programs (or a program compiled
   * for several devices' threads) is compiled once per JVM; cleared when it grows large.
   */
  private static final java.util.Map<String, byte[]> CUBINS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static final int MAX_CACHED = 4096;

  private final CUmodule module = new CUmodule();
  private final CUfunction function = new CUfunction();
  private final String entry;
  private boolean closed;

  /** Loads {@code ptx} for {@code arch} (e.g. sm_90); the context must be current. */
  public CudaModule(String ptx, String entry, String arch) {
    this.entry = entry;
    byte[] cubin = null;
    try {
      String key = arch + "\n" + ptx;
      cubin = CUBINS.get(key);
      if (cubin == null) {
        cubin = PtxCompiler.compile(ptx, arch);
        if (CUBINS.size() >= MAX_CACHED) {
          CUBINS.clear();
        }
        CUBINS.put(key, cubin);
      }
    } catch (PtxCompilationException e) {
      try {
        PtxCompiler.compile(ptx, "sm_80");
      } catch (PtxCompilationException wrongPtx) {
        throw e; // an error in the PTX itself, not an architecture the compiler does not know
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "nvPTXCompiler cannot compile for " + arch + "; loading PTX through the driver JIT");
    }
    if (cubin != null) {
      CudaCallException.check(cuModuleLoadData(module, cubin), "cuModuleLoadData", entry);
    } else {
      CudaCallException.check(cuModuleLoadData(module, ptx), "cuModuleLoadData(ptx)", entry);
    }
    int result = cuModuleGetFunction(function, module, entry);
    if (result != 0) {
      cuModuleUnload(module);
      CudaCallException.check(result, "cuModuleGetFunction", entry);
    }
  }

  public CUfunction function() {
    return function;
  }

  public String entry() {
    return entry;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      CudaCallException.check(cuModuleUnload(module), "cuModuleUnload", entry);
    }
  }
}
