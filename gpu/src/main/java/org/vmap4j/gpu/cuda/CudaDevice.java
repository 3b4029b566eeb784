package org.vmap4j.gpu.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuInit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import org.vmap4j.gpu.cublas.CublasHandles;

/**
 * One GPU as this process uses it: the device's primary context (retained once, shared by every
 * thread, made current by {@link #makeCurrent()} on each thread before it issues work), its device
 * memory pool, pinned staging buffers and a few streams for reuse. One instance per device ordinal
 * per JVM ({@link #open(int)}); {@link #close()} releases everything, and a shutdown hook closes
 * the devices still open.
 */
public final class CudaDevice implements AutoCloseable {
  private static final Map<Integer, CudaDevice> OPEN = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(CudaDevice::closeAll, "vmap4j-cuda-close"));
  }

  private final int ordinal;
  private final CUdevice device = new CUdevice();
  private final CUcontext context = new CUcontext();
  private final String name;
  private final String arch;
  private final DeviceMemoryPool memory = new DeviceMemoryPool();
  private final PinnedHostPool pinned = new PinnedHostPool();
  private final ArrayDeque<CudaStream> streams = new ArrayDeque<>();
  private CublasHandles cublas;
  private boolean closed;

  private CudaDevice(int ordinal) {
    CudaAvailability a = CudaAvailability.probe();
    if (!a.available()) {
      throw new IllegalStateException("no CUDA device: " + a.description());
    }
    if (ordinal < 0 || ordinal >= a.deviceCount()) {
      throw new IllegalArgumentException(
          "CUDA device " + ordinal + " does not exist; " + a.deviceCount() + " visible");
    }
    this.ordinal = ordinal;
    CudaCallException.check(cuInit(0), "cuInit");
    CudaCallException.check(cuDeviceGet(device, ordinal), "cuDeviceGet", "device " + ordinal);
    byte[] raw = new byte[256];
    CudaCallException.check(cuDeviceGetName(raw, raw.length, device), "cuDeviceGetName");
    int end = 0;
    while (end < raw.length && raw[end] != 0) {
      end++;
    }
    this.name = new String(raw, 0, end, StandardCharsets.UTF_8);
    int[] major = {0};
    int[] minor = {0};
    CudaCallException.check(
        cuDeviceGetAttribute(
            major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device),
        "cuDeviceGetAttribute");
    CudaCallException.check(
        cuDeviceGetAttribute(
            minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device),
        "cuDeviceGetAttribute");
    if (major[0] < 8) {
      throw new IllegalStateException(
          "CUDA device "
              + ordinal
              + " ("
              + name
              + ") has compute capability "
              + major[0]
              + "."
              + minor[0]
              + "; the generated PTX needs 8.0 (Ampere) or newer");
    }
    this.arch = "sm_" + major[0] + minor[0];
    CudaCallException.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
  }

  /** The device with this ordinal, opened on first use. */
  public static CudaDevice open(int ordinal) {
    return OPEN.computeIfAbsent(ordinal, CudaDevice::new);
  }

  /** Closes every open device (also run at JVM shutdown). */
  public static void closeAll() {
    List<CudaDevice> all = new ArrayList<>(OPEN.values());
    for (CudaDevice d : all) {
      try {
        d.close();
      } catch (RuntimeException e) {
        // at shutdown the driver may already be tearing down; nothing more to release
      }
    }
  }

  /** Makes this device's primary context current on the calling thread. */
  public void makeCurrent() {
    if (closed) {
      throw new IllegalStateException("CUDA device " + ordinal + " is closed");
    }
    CudaCallException.check(cuCtxSetCurrent(context), "cuCtxSetCurrent", "device " + ordinal);
  }

  public int ordinal() {
    return ordinal;
  }

  public String name() {
    return name;
  }

  /** The architecture cubins are compiled for, e.g. {@code sm_90}. */
  public String arch() {
    return arch;
  }

  public DeviceMemoryPool memory() {
    return memory;
  }

  public PinnedHostPool pinned() {
    return pinned;
  }

  /** A stream for one run; give it back with {@link #giveBack(CudaStream)} when idle. */
  public synchronized CudaStream borrowStream() {
    CudaStream s = streams.poll();
    return s != null ? s : new CudaStream();
  }

  public synchronized void giveBack(CudaStream s) {
    if (closed) {
      s.close();
    } else {
      streams.push(s);
    }
  }

  /** This device's cuBLAS handles, created on first use (only when cuBLAS is available). */
  public synchronized CublasHandles cublas() {
    if (cublas == null) {
      cublas = new CublasHandles();
    }
    return cublas;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    makeCurrent();
    closed = true;
    OPEN.remove(ordinal, this);
    streams.forEach(CudaStream::close);
    streams.clear();
    if (cublas != null) {
      cublas.close();
    }
    memory.close();
    pinned.close();
    CudaCallException.check(cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
  }

  @Override
  public String toString() {
    return "cuda:" + ordinal + " (" + name + ", " + arch + ")";
  }
}
