package org.vmap4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.ir.TensorCodec;
import scala.reflect.ClassTag$;

/** {@link VmapKryoRegistrator} under {@code spark.kryo.registrationRequired=true}. */
@ExtendWith(SharedSpark.class)
class KryoTest {
  record Params(
      Tensor w, List<Tensor> layers, Map<String, Tensor> extra, Tensor[] arr, Tensor none) {}

  static SerializerInstance kryo(boolean withRegistrator) {
    SparkConf conf = new SparkConf().set("spark.kryo.registrationRequired", "true");
    if (withRegistrator) {
      conf.set("spark.kryo.registrator", VmapKryoRegistrator.class.getName());
    }
    return new KryoSerializer(conf).newInstance();
  }

  @SuppressWarnings("unchecked")
  static <T> T roundTrip(SerializerInstance s, T value) {
    ByteBuffer bytes = s.serialize(value, ClassTag$.MODULE$.apply(Object.class));
    return (T) s.deserialize(bytes, ClassTag$.MODULE$.apply(Object.class));
  }

  @Test
  void tensorsOfEveryDtypeAndShapeRoundTrip() {
    SerializerInstance s = kryo(true);
    List<Tensor> tensors =
        List.of(
            Tensor.randomNormal(1, DType.F32, 3, 4),
            Tensor.randomNormal(2, DType.F64, 2, 1, 3),
            Tensor.of(new int[] {1, -2, 3}),
            Tensor.of(new long[] {Long.MAX_VALUE, Long.MIN_VALUE}),
            Tensor.of(new boolean[] {true, false, true}),
            Tensor.scalar(2.5),
            Tensor.zeros(DType.F32, 0, 7));
    for (Tensor t : tensors) {
      Tensor back = roundTrip(s, t);
      assertThat(back.type()).isEqualTo(t.type());
      assertThat(back.astype(DType.F64).toDoubleArray())
          .containsExactly(t.astype(DType.F64).toDoubleArray());
    }
  }

  @Test
  void withoutTheRegistratorATensorIsRejected() {
    assertThatThrownBy(() -> roundTrip(kryo(false), Tensor.scalar(1.0)))
        .hasMessageContaining("Class is not registered: org.vmap4j.cpu.CpuTensor");
  }

  @Test
  void shippedPytreesRoundTrip() {
    Params p =
        new Params(
            Tensor.of(new double[] {1, 2}),
            List.of(Tensor.scalar(3.0), Tensor.of(new float[] {4})),
            Map.of("b", Tensor.of(new long[] {5}), "a", Tensor.of(new int[] {6})),
            new Tensor[] {Tensor.of(new boolean[] {true})},
            null);
    ShippedTree back = roundTrip(kryo(true), ShippedTree.of(p));
    Params q = (Params) back.toPytree();
    assertThat(q.w().toDoubleArray()).containsExactly(1, 2);
    assertThat(q.layers().get(1).toFloatArray()).containsExactly(4f);
    assertThat(q.extra().get("a").toIntArray()).containsExactly(6);
    assertThat(q.extra().get("b").toLongArray()).containsExactly(5L);
    assertThat(q.arr()[0].toBooleanArray()).containsExactly(true);
    assertThat(q.none()).isNull();
  }

  @Test
  void theSessionBroadcastsTensorsAndShipsKryoDatasetsOfThem(SparkSession spark) {
    assertThat(spark.conf().get("spark.kryo.registrationRequired")).isEqualTo("true");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Tensor> b = jsc.broadcast(Tensor.of(new double[] {1, 2, 3}));
    List<Double> sums =
        jsc.parallelize(List.of(1, 2, 3, 4), 2).map(i -> b.value().sum().item() * i).collect();
    assertThat(sums).containsExactly(6.0, 12.0, 18.0, 24.0);

    List<Tensor> ts = List.of(Tensor.of(new float[] {1, 2}), Tensor.of(new float[] {3}));
    List<Tensor> back =
        spark.createDataset(ts, Encoders.kryo(Tensor.class)).repartition(2).collectAsList();
    assertThat(back).hasSize(2);
    assertThat(back.stream().mapToDouble(t -> t.sum().item()).sum()).isEqualTo(6.0);
  }

  @Test
  void kryoAndShippedTreesCarryCoresTensorCodecBytes() throws java.io.IOException {
    Tensor t = Tensor.of(new double[] {1.5, -2, 3}, 3, 1);
    byte[] codec = TensorCodec.toBytes(t);
    ByteBuffer kryoBytes = kryo(true).serialize(t, ClassTag$.MODULE$.apply(Object.class));
    byte[] k = new byte[kryoBytes.remaining()];
    kryoBytes.get(k);
    // Kryo's class id, then the codec's bytes as they are
    assertThat(java.util.Arrays.copyOfRange(k, k.length - codec.length, k.length)).isEqualTo(codec);
    java.io.ByteArrayOutputStream javaBytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(javaBytes)) {
      out.writeObject(ShippedTree.of(t));
    }
    byte[] java = javaBytes.toByteArray();
    assertThat(Collections.indexOfSubList(boxed(java), boxed(codec)))
        .as("the codec's bytes inside the shipped tree's Java serialization")
        .isPositive();
  }

  @Test
  void aTracedTensorCannotBeShippedAndSaysWhy() {
    assertThatThrownBy(
            () ->
                org.vmap4j.Func.vmap((Tensor x) -> ShippedTree.of(x) == null ? x : x)
                    .apply(Tensor.zeros(DType.F64, 2, 3)))
        .hasMessageContaining("vmap");
  }

  private static List<Byte> boxed(byte[] b) {
    List<Byte> out = new java.util.ArrayList<>(b.length);
    for (byte x : b) {
      out.add(x);
    }
    return out;
  }
}
