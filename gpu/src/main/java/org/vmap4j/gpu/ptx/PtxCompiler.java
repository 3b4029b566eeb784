package org.vmap4j.gpu.ptx;

import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerCompile;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerCreate;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerDestroy;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetCompiledProgram;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetCompiledProgramSize;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetErrorLog;
import static jcuda.nvptxcompiler.JNvPTXCompiler.nvPTXCompilerGetErrorLogSize;
import static jcuda.nvptxcompiler.nvPTXCompileResult.NVPTXCOMPILE_SUCCESS;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;
import jcuda.nvptxcompiler.nvPTXCompileResult;
import jcuda.nvptxcompiler.nvPTXCompilerHandle;

/**
 * Compiles PTX text to a cubin (an ELF image for one GPU architecture), in-process.
 *
 * <p>Why in-process: it uses NVIDIA's PTX compiler library through JCuda's {@code JNvPTXCompiler}
 * binding, whose native library is statically linked and needs neither {@code libcuda.so.1}, a CUDA
 * toolkit nor a GPU. So every kernel we generate can be compiled — and its errors seen — on a
 * CPU-only build machine, and an executor loads the cubin with {@code cuModuleLoadData} instead of
 * leaving PTX to the driver's JIT (whose errors surface late, on the executor, without context).
 *
 * <p>The compiler bundled with JCuda 12.6.0 reports itself as version 12.0, so it accepts PTX ISA
 * {@code .version} at most 8.0; that is why generated PTX targets {@code .version 8.0} / {@code
 * .target sm_80}, which compiles for Ampere ({@code sm_80}) and Hopper ({@code sm_90}) alike.
 *
 * <p>Thread safety: each call uses its own compiler handle and releases it before returning, also
 * when compilation fails or JCuda throws, so concurrent calls are safe and nothing leaks.
 */
public final class PtxCompiler {

  /** A real GPU architecture ({@code sm_80}, {@code sm_90}, {@code sm_90a}): cubins need one. */
  private static final Pattern TARGET = Pattern.compile("sm_[1-9][0-9]{1,2}[af]?");

  private PtxCompiler() {}

  /**
   * Compiles {@code ptx} for the GPU architecture {@code target}.
   *
   * @param ptx PTX source text; its {@code .target} must not be newer than {@code target}
   * @param target a GPU architecture such as {@code "sm_80"} or {@code "sm_90"}
   * @return the cubin: an ELF image loadable with {@code cuModuleLoadData} on that architecture
   * @throws IllegalArgumentException if {@code target} is not of the form {@code sm_NN}; it is
   *     checked because it becomes a compiler option, and anything else would be a second option
   * @throws PtxCompilationException if the compiler rejects the PTX; its message holds the
   *     compiler's error log, which names the offending PTX line
   */
  public static byte[] compile(String ptx, String target) {
    Objects.requireNonNull(ptx, "ptx");
    Objects.requireNonNull(target, "target");
    if (!TARGET.matcher(target).matches()) {
      throw new IllegalArgumentException(
          "GPU target must look like sm_80 or sm_90, but was '" + target + "'");
    }
    byte[] source = ptx.getBytes(StandardCharsets.UTF_8);
    nvPTXCompilerHandle handle = new nvPTXCompilerHandle();
    check(nvPTXCompilerCreate(handle, source.length, source), "nvPTXCompilerCreate", target);
    try {
      String[] options = {"--gpu-name=" + target};
      int result = nvPTXCompilerCompile(handle, options.length, options);
      if (result != NVPTXCOMPILE_SUCCESS) {
        throw new PtxCompilationException(
            target, nvPTXCompileResult.stringFor(result), errorLog(handle));
      }
      long[] size = {0};
      check(nvPTXCompilerGetCompiledProgramSize(handle, size), "GetCompiledProgramSize", target);
      byte[] cubin = new byte[Math.toIntExact(size[0])];
      check(nvPTXCompilerGetCompiledProgram(handle, cubin), "GetCompiledProgram", target);
      return cubin;
    } finally {
      nvPTXCompilerDestroy(handle);
    }
  }

  /** The compiler's error log, without the C string terminator it is handed back with. */
  private static String errorLog(nvPTXCompilerHandle handle) {
    long[] size = {0};
    if (nvPTXCompilerGetErrorLogSize(handle, size) != NVPTXCOMPILE_SUCCESS || size[0] == 0) {
      return "";
    }
    byte[] log = new byte[Math.toIntExact(size[0])];
    if (nvPTXCompilerGetErrorLog(handle, log) != NVPTXCOMPILE_SUCCESS) {
      return "";
    }
    int end = log.length;
    while (end > 0 && log[end - 1] == 0) {
      end--;
    }
    return new String(log, 0, end, StandardCharsets.UTF_8).strip();
  }

  /** Fails on a non-success result of a call that has no log of its own to add. */
  private static void check(int result, String call, String target) {
    if (result != NVPTXCOMPILE_SUCCESS) {
      throw new PtxCompilationException(
          target, call + ": " + nvPTXCompileResult.stringFor(result), "");
    }
  }
}
