package org.vmap4j.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;
import org.vmap4j.Tensor;
import org.vmap4j.spark.executor.BatchKernel;
import org.vmap4j.spark.executor.EagerKernel;
import org.vmap4j.spark.executor.ProgramKernel;

/**
 * Registers what vmap4j puts through Spark's serializer, so that jobs run with {@code
 * spark.kryo.registrationRequired=true}:
 *
 * <pre>{@code
 * .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
 * .config("spark.kryo.registrator", "org.vmap4j.spark.VmapKryoRegistrator")
 * }</pre>
 *
 * <ul>
 *   <li>concrete tensors, with {@link TensorKryoSerializer} (dtype, shape, values in bulk): for
 *       tensors in broadcasts, in Datasets with {@code Encoders.kryo(Tensor.class)}, in shuffles;
 *   <li>{@link ShippedTree} (the broadcast form of a {@link VmapUdf}'s unmapped constants) and the
 *       kernels a {@link VmapUdf} ships ({@link BatchKernel} implementations), through Java
 *       serialization inside Kryo since they hold serializable user lambdas. When core's compiled
 *       {@code Program} exists, it is registered here too and replaces the eager kernel.
 * </ul>
 */
public class VmapKryoRegistrator implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    TensorKryoSerializer tensors = new TensorKryoSerializer();
    kryo.register(Tensor.scalar(0.0).getClass(), tensors);
    kryo.register(Tensor.class, tensors);
    kryo.register(ShippedTree.class, new JavaSerializer());
    kryo.register(EagerKernel.class, new JavaSerializer());
    kryo.register(ProgramKernel.class, new JavaSerializer());
    // a partition's clipped gradient sums (PerSampleGradients.clippedGradientSum's task results)
    kryo.register(DataFrameClippedSum.Partial.class, new JavaSerializer());
    kryo.register(DataFrameClippedSum.Partial[].class);
    kryo.register(float[].class);
    kryo.register(double[].class);
    kryo.register(int[].class);
    kryo.register(long[].class);
    kryo.register(boolean[].class);
    kryo.register(Tensor[].class);
  }
}
