package org.vmap4j.benchmarks;

import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import org.vmap4j.DType;
import org.vmap4j.Func;
import org.vmap4j.Tensor;

/**
 * Prints the Java source of every kernel that the fused-kernel rows of {@link
 * PeerWorkloadsBenchmark} (w4a, w4b, w6a) and a set of reductions compile, sorted, so that two
 * builds can be compared with {@code diff} (docs/performance.md, "Kernel description and lowering
 * registry"). Reads {@code KernelCompiler}'s private cache by reflection on purpose: the same
 * program must run against older jars that have no accessor. Run: {@code java
 * --add-modules=jdk.incubator.vector -cp benchmarks/target/benchmarks.jar
 * org.vmap4j.benchmarks.KernelSourceDump}.
 */
public final class KernelSourceDump {
  private KernelSourceDump() {}

  public static void main(String[] args) throws ReflectiveOperationException {
    PeerWorkloadsBenchmark b = new PeerWorkloadsBenchmark();
    b.setUp();
    b.w4aLogisticB4096Jit();
    b.w4bLogisticB65536Jit();
    b.w6aHessianJit();
    for (DType t : new DType[] {DType.F32, DType.F64, DType.I32, DType.I64}) {
      Tensor x = Tensor.randomNormal(1, DType.F64, 64, 32).mul(10).astype(t);
      x.sum(0);
      x.sum(1);
      x.max(1);
      x.min(0);
      Function<Tensor, Tensor> sumOfSquares = v -> v.mul(v).sum(1);
      Func.jit(sumOfSquares).apply(x);
      Function<Tensor, Tensor> maxOfDoubled = v -> v.add(v).max(1);
      Func.jit(maxOfDoubled).apply(x);
    }
    var cache = Class.forName("org.vmap4j.cpu.KernelCompiler").getDeclaredField("CACHE");
    cache.setAccessible(true);
    @SuppressWarnings("unchecked")
    Map<String, Object> kernels = (Map<String, Object>) cache.get(null);
    for (String source : new TreeSet<>(kernels.keySet())) {
      System.out.println("=====\n" + source);
    }
  }
}
