package org.vmap4j.benchmarks;

import java.util.Random;
import java.util.concurrent.TimeUnit;
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

/**
 * The reused Arrow conversions of {@link ArrowConversionBenchmark} on a small batch (16 rows of 64
 * floats, 4 KiB), where the fixed cost of a call shows instead of memory bandwidth. The 64 MiB rows
 * of that benchmark move by as much as 1.2x between two runs of the same code on the shared
 * development VM (its {@code copyHeapToHeap} control does too), so a change to the per-call path is
 * compared here. Uses only API that existed before the architecture work, so it compiles against
 * older builds for {@code CpuTimeAB}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.nio=ALL-UNNAMED")
public class ArrowSmallBatchBenchmark {
  static final int ROWS = 16;
  static final int D = 64;

  private BufferAllocator allocator;
  private FixedSizeListVector column;
  private FieldVector target;
  private Tensor tensor;
  private Tensor reusedTensor;
  private float[] heapSource;
  private float[] heapDestination;

  @Setup(Level.Trial)
  public void setUp() {
    allocator = new RootAllocator();
    heapSource = new float[ROWS * D];
    Random rnd = new Random(42);
    for (int i = 0; i < heapSource.length; i++) {
      heapSource[i] = (float) rnd.nextGaussian();
    }
    heapDestination = new float[heapSource.length];
    tensor = Tensor.of(heapSource, ROWS, D);
    column = (FixedSizeListVector) ArrowTensors.toVector("x", tensor, allocator);
    target = ArrowTensors.toVector("y", tensor, allocator);
    reusedTensor = ArrowTensors.toTensor(column);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    target.close();
    column.close();
    allocator.close();
  }

  /** The same bytes copied by the JDK alone: a control row that no vmap4j change touches. */
  @Benchmark
  public float[] copyHeapToHeap() {
    System.arraycopy(heapSource, 0, heapDestination, 0, heapSource.length);
    return heapDestination;
  }

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
  public int roundTripReused() {
    Tensor t = ArrowTensors.readInto(column, reusedTensor);
    ArrowTensors.writeInto(t, target);
    return target.getValueCount();
  }
}
