package org.vmap4j.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Kryo's form of a concrete tensor: the dtype, the shape and the row-major values in bulk. Reading
 * wraps the fresh array without a second copy. Registered by {@link VmapKryoRegistrator}.
 */
public final class TensorKryoSerializer extends Serializer<Tensor> {
  private static final DType[] DTYPES = DType.values();

  public TensorKryoSerializer() {
    setImmutable(true);
  }

  @Override
  public void write(Kryo kryo, Output output, Tensor tensor) {
    DType dtype = tensor.dtype();
    output.writeByte(dtype.ordinal());
    int[] shape = tensor.shape();
    output.writeVarInt(shape.length, true);
    output.writeInts(shape, true);
    int n = tensor.size();
    switch (dtype) {
      case F32 -> output.writeFloats(tensor.toFloatArray());
      case F64 -> output.writeDoubles(tensor.toDoubleArray());
      case I32 -> output.writeInts(tensor.toIntArray(), false);
      case I64 -> output.writeLongs(tensor.toLongArray(), false);
      case BOOL -> {
        boolean[] values = tensor.toBooleanArray();
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
          bytes[i] = (byte) (values[i] ? 1 : 0);
        }
        output.writeBytes(bytes);
      }
    }
  }

  @Override
  public Tensor read(Kryo kryo, Input input, Class<Tensor> type) {
    DType dtype = DTYPES[input.readByte()];
    int rank = input.readVarInt(true);
    int[] shape = input.readInts(rank, true);
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    Object values =
        switch (dtype) {
          case F32 -> input.readFloats(n);
          case F64 -> input.readDoubles(n);
          case I32 -> input.readInts(n, false);
          case I64 -> input.readLongs(n, false);
          case BOOL -> {
            byte[] bytes = input.readBytes(n);
            boolean[] b = new boolean[n];
            for (int i = 0; i < n; i++) {
              b[i] = bytes[i] != 0;
            }
            yield b;
          }
        };
    return ShippedTree.wrap(values, shape);
  }
}
