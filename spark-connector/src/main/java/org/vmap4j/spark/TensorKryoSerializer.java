package org.vmap4j.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.IOException;
import org.vmap4j.Tensor;
import org.vmap4j.ir.TensorCodec;

/**
 * Kryo's form of a concrete tensor: core's {@link TensorCodec} bytes (dtype, shape, little-endian
 * values), the same form a serialized program gives its constants. Registered by {@link
 * VmapKryoRegistrator}.
 */
public final class TensorKryoSerializer extends Serializer<Tensor> {
  public TensorKryoSerializer() {
    setImmutable(true);
  }

  @Override
  public void write(Kryo kryo, Output output, Tensor tensor) {
    try {
      TensorCodec.write(tensor, output);
    } catch (IOException e) {
      throw new KryoException("cannot write tensor " + tensor.type(), e);
    }
  }

  @Override
  public Tensor read(Kryo kryo, Input input, Class<Tensor> type) {
    try {
      return TensorCodec.read(input);
    } catch (IOException e) {
      throw new KryoException("cannot read a tensor: " + e.getMessage(), e);
    }
  }
}
