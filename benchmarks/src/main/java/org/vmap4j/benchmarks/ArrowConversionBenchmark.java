package org.vmap4j.benchmarks;

import java.lang.reflect.Field;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.vmap4j.Tensor;
import org.vmap4j.arrow.ArrowTensors;
import sun.misc.Unsafe;

/**
 * A 64 MiB float32 {@code FixedSizeList<float>[64]} column (262,144 rows) converted to a tensor and
 * back, against plain copies of the same 64 MiB in the same run. Report ratios: copy time /
 * conversion time is the fraction of copy bandwidth the conversion reaches (a round trip is two
 * copies' worth of bytes).
 *
 * <ul>
 *   <li>{@code copyHeapToHeap}, {@code copyOffHeapToOffHeap}: memcpy baselines into reused
 *       destinations ({@code System.arraycopy}, and Arrow's {@code ArrowBuf.setBytes}).
 *   <li>{@code copyOffHeapToHeapNio}, {@code copyOffHeapToHeapUnsafe}: the two ways to move an
 *       Arrow buffer into a Java array in bulk; the module uses the first (a little-endian NIO
 *       view), this measures whether {@code Unsafe} would be faster.
 *   <li>{@code allocateTensorArray}: a fresh zeroed 64 MiB float[], which every Arrow-to-tensor
 *       conversion needs because tensors are immutable Java arrays; {@code
 *       allocateAndCopyHeapToHeap}: such an array filled by {@code System.arraycopy}, the floor for
 *       any conversion that produces a new Java array.
 *   <li>{@code copyOffHeapToHeapUnsafeChunked}: {@code Unsafe} in 1 MiB pieces; {@code
 *       copyOffHeapToHeapNioTwoThreads}: the NIO copy split over two threads (not comparable with
 *       the single-threaded baselines; it shows what a second core would add).
 *   <li>{@code arrowToTensor} (a fresh tensor each time), {@code arrowToTensorReused} ({@code
 *       readInto} the tensor an earlier read returned), {@code tensorToArrowReused} (into an
 *       existing vector, the way an executor converts batch after batch), {@code
 *       tensorToArrowFresh} (a new vector each time), {@code roundTrip} (the issue's: {@code
 *       toTensor}, then back into a reused vector), {@code roundTripReused} (both sides reused).
 * </ul>
 *
 * <p>Run: {@code java --add-opens=java.base/java.nio=ALL-UNNAMED -jar
 * benchmarks/target/benchmarks.jar ArrowConversion}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      // A pre-touched heap: fresh pages are slow on the development VM and would be measured
      // instead of the copies.
      "-Xms3g",
      "-Xmx3g",
      "-XX:+AlwaysPreTouch"
    })
public class ArrowConversionBenchmark {
  static final int BYTES = 64 << 20;
  static final int D = 64;
  static final int ELEMENTS = BYTES / Float.BYTES;
  static final int ROWS = ELEMENTS / D;

  static final long CHUNK_BYTES = 1 << 20;

  private static final Unsafe UNSAFE = unsafe();

  private BufferAllocator allocator;
  private FixedSizeListVector column;
  private FieldVector target;
  private ArrowBuf offHeapDestination;
  private Tensor tensor;
  private Tensor reusedTensor;
  private ExecutorService secondThread;
  private float[] heapSource;
  private float[] heapDestination;

  @Setup(Level.Trial)
  public void setUp() {
    allocator = new RootAllocator();
    heapSource = new float[ELEMENTS];
    Random rnd = new Random(42);
    for (int i = 0; i < ELEMENTS; i++) {
      heapSource[i] = (float) rnd.nextGaussian();
    }
    heapDestination = new float[ELEMENTS];
    tensor = Tensor.of(heapSource, ROWS, D);
    column = (FixedSizeListVector) ArrowTensors.toVector("x", tensor, allocator);
    target = ArrowTensors.toVector("y", tensor, allocator);
    offHeapDestination = allocator.buffer(BYTES);
    offHeapDestination.setZero(0, BYTES);
    reusedTensor = ArrowTensors.toTensor(column);
    secondThread = Executors.newSingleThreadExecutor();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    secondThread.shutdown();
    offHeapDestination.close();
    target.close();
    column.close();
    allocator.close();
  }

  private ArrowBuf source() {
    return column.getDataVector().getDataBuffer();
  }

  @Benchmark
  public float[] copyHeapToHeap() {
    System.arraycopy(heapSource, 0, heapDestination, 0, ELEMENTS);
    return heapDestination;
  }

  @Benchmark
  public ArrowBuf copyOffHeapToOffHeap() {
    offHeapDestination.setBytes(0, source(), 0, BYTES);
    return offHeapDestination;
  }

  @Benchmark
  public float[] copyOffHeapToHeapNio() {
    source()
        .nioBuffer(0, BYTES)
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(heapDestination, 0, ELEMENTS);
    return heapDestination;
  }

  @Benchmark
  public float[] copyOffHeapToHeapUnsafe() {
    UNSAFE.copyMemory(
        null, source().memoryAddress(), heapDestination, Unsafe.ARRAY_FLOAT_BASE_OFFSET, BYTES);
    return heapDestination;
  }

  /** Unsafe in 1 MiB pieces, the way Arrow's own bulk copies and the JDK's split long copies. */
  @Benchmark
  public float[] copyOffHeapToHeapUnsafeChunked() {
    long address = source().memoryAddress();
    for (long done = 0; done < BYTES; done += CHUNK_BYTES) {
      long n = Math.min(CHUNK_BYTES, BYTES - done);
      UNSAFE.copyMemory(
          null, address + done, heapDestination, Unsafe.ARRAY_FLOAT_BASE_OFFSET + done, n);
    }
    return heapDestination;
  }

  /**
   * The module's bulk copy split in two halves, one on a second thread: what two cores would give.
   * The baselines are single-threaded, so its ratio is not comparable with the others'.
   */
  @Benchmark
  public float[] copyOffHeapToHeapNioTwoThreads() throws Exception {
    int half = ELEMENTS / 2;
    Future<?> second = secondThread.submit(() -> copyNio(half, ELEMENTS - half));
    copyNio(0, half);
    second.get();
    return heapDestination;
  }

  private void copyNio(int first, int count) {
    source()
        .nioBuffer((long) first * Float.BYTES, count * Float.BYTES)
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(heapDestination, first, count);
  }

  @Benchmark
  public float[] allocateTensorArray() {
    return new float[ELEMENTS];
  }

  /** The floor for any conversion into a fresh Java array: allocate it, then copy into it. */
  @Benchmark
  public float[] allocateAndCopyHeapToHeap() {
    float[] fresh = new float[ELEMENTS];
    System.arraycopy(heapSource, 0, fresh, 0, ELEMENTS);
    return fresh;
  }

  @Benchmark
  public Tensor arrowToTensor() {
    return ArrowTensors.toTensor(column);
  }

  /** Into the tensor an earlier read returned, as a reader does batch after batch. */
  @Benchmark
  public Tensor arrowToTensorReused() {
    return ArrowTensors.readInto(column, reusedTensor);
  }

  @Benchmark
  public int tensorToArrowReused() {
    ArrowTensors.writeInto(tensor, target);
    return target.getValueCount();
  }

  @Benchmark
  public int tensorToArrowFresh() {
    try (FieldVector fresh = ArrowTensors.toVector("z", tensor, allocator)) {
      return fresh.getValueCount();
    }
  }

  @Benchmark
  public int roundTrip() {
    Tensor t = ArrowTensors.toTensor(column);
    ArrowTensors.writeInto(t, target);
    return target.getValueCount();
  }

  /** The round trip with both sides reused: the steady state of a batch-by-batch pipeline. */
  @Benchmark
  public int roundTripReused() {
    Tensor t = ArrowTensors.readInto(column, reusedTensor);
    ArrowTensors.writeInto(t, target);
    return target.getValueCount();
  }

  private static Unsafe unsafe() {
    try {
      Field f = Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return (Unsafe) f.get(null);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
