package org.vmap4j.gpu;

import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.runtime.cudaStream_t;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.TensorType;
import org.vmap4j.gpu.cublas.CublasCall;
import org.vmap4j.gpu.cublas.CublasGemm;
import org.vmap4j.gpu.cublas.CublasHandles;
import org.vmap4j.gpu.cuda.CudaCallException;
import org.vmap4j.gpu.cuda.CudaDevice;
import org.vmap4j.gpu.cuda.CudaModule;
import org.vmap4j.gpu.cuda.CudaStream;
import org.vmap4j.gpu.cuda.DeviceBuffer;
import org.vmap4j.gpu.cuda.HostArrays;
import org.vmap4j.gpu.cuda.PinnedHostBuffer;
import org.vmap4j.ir.Var;

/**
 * The state of one run of a {@link CudaProgram} on one thread: where each variable's value lives
 * (host, device or both), the stream, and every device and pinned buffer taken, all given back by
 * {@link #close()} after the stream has finished (also when the run failed).
 */
final class RunScope implements AutoCloseable {
  private static final class Slot {
    Tensor host;
    DeviceBuffer device;
  }

  private final CudaDevice device;
  private final CudaStream stream;
  private final Map<Var, Slot> env = new IdentityHashMap<>();
  private final List<DeviceBuffer> buffers = new ArrayList<>();
  private final List<PinnedHostBuffer> pinned = new ArrayList<>();
  private final List<String> launched = new ArrayList<>();
  private cublasHandle cublas;

  RunScope(CudaDevice device) {
    this.device = device;
    device.makeCurrent();
    this.stream = device.borrowStream();
  }

  void putHost(Var v, Tensor t) {
    env.computeIfAbsent(v, k -> new Slot()).host = t;
  }

  void putDevice(Var v, DeviceBuffer b) {
    env.computeIfAbsent(v, k -> new Slot()).device = b;
  }

  boolean onDevice(Var v) {
    Slot s = env.get(v);
    return s != null && s.device != null;
  }

  /** A fresh device array for a value of {@code type}, owned by this run. */
  DeviceBuffer allocate(TensorType type) {
    DeviceBuffer b = device.memory().allocate((long) type.size() * type.dtype().byteSize());
    buffers.add(b);
    return b;
  }

  /** Copies {@code from}'s bytes into {@code to} (same size) on this run's stream. */
  void copy(DeviceBuffer from, DeviceBuffer to) {
    if (from.bytes() > 0) {
      CudaCallException.check(
          cuMemcpyDtoDAsync(to.pointer(), from.pointer(), from.bytes(), stream.handle()),
          "cuMemcpyDtoDAsync",
          from.bytes() + " bytes");
    }
  }

  /** A fresh 4-byte device word holding {@code value}, owned by this run (a kernel's flag). */
  DeviceBuffer word(int value) {
    DeviceBuffer b = device.memory().allocate(4);
    buffers.add(b);
    CudaCallException.check(
        cuMemsetD32Async(b.pointer(), value, 1, stream.handle()), "cuMemsetD32Async", "1 word");
    return b;
  }

  /** The int in the first 4 bytes of {@code b}, waiting for the stream's work so far. */
  int readWord(DeviceBuffer b) {
    PinnedHostBuffer staging = device.pinned().borrow(4);
    pinned.add(staging);
    CudaCallException.check(
        cuMemcpyDtoHAsync(staging.pointer(), b.pointer(), 4, stream.handle()),
        "cuMemcpyDtoHAsync",
        "1 word");
    stream.synchronize(afterWhat());
    return staging.buffer().order(java.nio.ByteOrder.nativeOrder()).getInt(0);
  }

  /** The value of {@code v} on the device, copied up (contiguous) if it is only on the host. */
  DeviceBuffer device(Var v) {
    Slot s = slot(v);
    if (s.device == null) {
      Tensor t = s.host;
      DeviceBuffer b = allocate(t.type());
      long bytes = b.bytes();
      if (bytes > 0) {
        PinnedHostBuffer staging = device.pinned().borrow(bytes);
        pinned.add(staging);
        HostArrays.put(t.dtype(), org.vmap4j.backend.HostArrays.rowMajor(t), staging.buffer());
        CudaCallException.check(
            cuMemcpyHtoDAsync(b.pointer(), staging.pointer(), bytes, stream.handle()),
            "cuMemcpyHtoDAsync",
            v + ": " + bytes + " bytes");
      }
      s.device = b;
    }
    return s.device;
  }

  /**
   * The value of {@code v} on the host (a concrete host tensor), copied back (waiting for the
   * stream) if needed.
   */
  Tensor host(Var v) {
    Slot s = slot(v);
    if (s.host == null) {
      TensorType type = v.type();
      long bytes = (long) type.size() * type.dtype().byteSize();
      Object data;
      if (bytes == 0) {
        data = HostArrays.get(type.dtype(), java.nio.ByteBuffer.allocate(0), 0);
      } else {
        PinnedHostBuffer staging = device.pinned().borrow(bytes);
        pinned.add(staging);
        CudaCallException.check(
            cuMemcpyDtoHAsync(staging.pointer(), s.device.pointer(), bytes, stream.handle()),
            "cuMemcpyDtoHAsync",
            v + ": " + bytes + " bytes");
        stream.synchronize(afterWhat());
        data = HostArrays.get(type.dtype(), staging.buffer(), type.size());
      }
      s.host = org.vmap4j.backend.HostArrays.wrap(type.dtype(), data, type.shape());
    }
    return s.host;
  }

  /** Launches {@code module}'s kernel on this run's stream. */
  void launch(
      CudaModule module, String label, int gridX, int gridY, int gridZ, int block, Pointer params) {
    launched.add(label);
    CudaCallException.check(
        cuLaunchKernel(
            module.function(), gridX, gridY, gridZ, block, 1, 1, 0, stream.handle(), params, null),
        "cuLaunchKernel",
        label + ", grid " + gridX + "x" + gridY + "x" + gridZ + ", block " + block);
  }

  /**
   * Runs {@code call} on cuBLAS on this run's stream: {@code c = a·b} in our row-major terms (see
   * {@link CublasCall}). The run keeps its cuBLAS handle until its stream has finished.
   */
  void cublasGemm(
      CublasCall call, DType t, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, String label) {
    if (cublas == null) {
      cublas = device.cublas().borrow();
      CublasHandles.check(
          JCublas2.cublasSetStream(cublas, new cudaStream_t(stream.handle())),
          "cublasSetStream",
          label);
    }
    launched.add(label + " (cuBLAS)");
    CublasGemm.run(cublas, call, t, a, b, c, label);
  }

  private Slot slot(Var v) {
    Slot s = env.get(v);
    if (s == null || (s.host == null && s.device == null)) {
      throw new IllegalStateException("no value for " + v + " (plan order broken)");
    }
    return s;
  }

  /** For error messages: an asynchronous fault belongs to one of the kernels launched so far. */
  private String afterWhat() {
    int from = Math.max(0, launched.size() - 3);
    return launched.isEmpty()
        ? "no kernel launched"
        : "after " + launched.subList(from, launched.size());
  }

  /** Waits for the stream, then gives back every buffer; the first failure is rethrown. */
  @Override
  public void close() {
    RuntimeException failure = null;
    try {
      stream.synchronize(afterWhat());
    } catch (RuntimeException e) {
      failure = e;
    }
    for (DeviceBuffer b : buffers) {
      b.close();
    }
    for (PinnedHostBuffer p : pinned) {
      device.pinned().giveBack(p);
    }
    if (cublas != null) {
      device.cublas().giveBack(cublas);
    }
    if (failure == null) {
      device.giveBack(stream);
    } else {
      try {
        stream.close();
      } catch (RuntimeException e) {
        failure.addSuppressed(e);
      }
      throw failure;
    }
  }
}
