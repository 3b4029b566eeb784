package org.vmap4j.ir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.DType;
import org.vmap4j.core.Params;
import org.vmap4j.core.TensorType;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.Storage;
import org.vmap4j.prim.Primitives;

/**
 * A compact binary form of a program, for shipping it to Spark executors: variables by index,
 * primitives by name, parameters with type tags, constants with their data. Versioned, so an
 * incompatible reader fails clearly. A sub-program parameter (a branch of cond, a loop body) is
 * written in place as a whole nested program, so control flow travels to executors intact.
 */
public final class ProgramSerializer {
  private static final int MAGIC = 0x564d4150; // "VMAP"
  private static final int VERSION = 1;

  private ProgramSerializer() {}

  public static byte[] toBytes(Program p) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      write(p, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public static Program fromBytes(byte[] data) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      return read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void write(Program p, DataOutputStream out) throws IOException {
    out.writeInt(MAGIC);
    out.writeInt(VERSION);
    Map<Var, Integer> ids = new IdentityHashMap<>();
    List<Var> all = new ArrayList<>(p.inputs());
    all.addAll(p.constVars());
    p.equations().forEach(e -> all.addAll(e.outputs()));
    out.writeInt(all.size());
    for (Var v : all) {
      ids.put(v, ids.size());
      writeType(v.type(), out);
    }
    out.writeInt(p.inputs().size());
    out.writeInt(p.constVars().size());
    for (CpuTensor c : p.constValues()) {
      writeData(c, out);
    }
    out.writeInt(p.equations().size());
    for (Equation e : p.equations()) {
      out.writeUTF(e.primitive().name());
      writeParams(e.params(), out);
      writeVars(e.inputs(), ids, out);
      out.writeInt(e.outputs().size());
    }
    writeVars(p.outputs(), ids, out);
  }

  public static Program read(DataInputStream in) throws IOException {
    if (in.readInt() != MAGIC) {
      throw new IOException("not a serialized vmap4j program");
    }
    int version = in.readInt();
    if (version != VERSION) {
      throw new IOException(
          "serialized program version " + version + ", this reader knows " + VERSION);
    }
    int n = in.readInt();
    List<Var> vars = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      vars.add(new Var(readType(in)));
    }
    int nIn = in.readInt();
    int nConst = in.readInt();
    List<CpuTensor> consts = new ArrayList<>();
    for (int i = 0; i < nConst; i++) {
      consts.add(readData(vars.get(nIn + i).type(), in));
    }
    int nEq = in.readInt();
    int next = nIn + nConst;
    List<Equation> eqs = new ArrayList<>();
    for (int i = 0; i < nEq; i++) {
      String prim = in.readUTF();
      Params params = readParams(in);
      List<Var> inputs = readVars(vars, in);
      int nOut = in.readInt();
      eqs.add(
          new Equation(Primitives.byName(prim), params, inputs, vars.subList(next, next + nOut)));
      next += nOut;
    }
    List<Var> outputs = readVars(vars, in);
    return new Program(vars.subList(0, nIn), vars.subList(nIn, nIn + nConst), consts, eqs, outputs);
  }

  private static void writeType(TensorType t, DataOutputStream out) throws IOException {
    out.writeByte(t.dtype().ordinal());
    out.writeInt(t.ndim());
    for (int d : t.shape()) {
      out.writeInt(d);
    }
  }

  private static TensorType readType(DataInputStream in) throws IOException {
    DType dtype = DType.values()[in.readByte()];
    int[] shape = new int[in.readInt()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = in.readInt();
    }
    return new TensorType(dtype, shape);
  }

  private static void writeVars(List<Var> vars, Map<Var, Integer> ids, DataOutputStream out)
      throws IOException {
    out.writeInt(vars.size());
    for (Var v : vars) {
      out.writeInt(ids.get(v));
    }
  }

  private static List<Var> readVars(List<Var> vars, DataInputStream in) throws IOException {
    int n = in.readInt();
    List<Var> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(vars.get(in.readInt()));
    }
    return out;
  }

  private static void writeData(CpuTensor c, DataOutputStream out) throws IOException {
    Object data = c.contiguousData();
    int n = c.size();
    for (int i = 0; i < n; i++) {
      switch (c.dtype()) {
        case F64 -> out.writeDouble(((double[]) data)[i]);
        case F32 -> out.writeFloat(((float[]) data)[i]);
        case I32 -> out.writeInt(((int[]) data)[i]);
        case I64 -> out.writeLong(((long[]) data)[i]);
        case BOOL -> out.writeBoolean(((boolean[]) data)[i]);
      }
    }
  }

  private static CpuTensor readData(TensorType t, DataInputStream in) throws IOException {
    Object data = Storage.allocate(t.dtype(), t.size());
    for (int i = 0; i < t.size(); i++) {
      switch (t.dtype()) {
        case F64 -> ((double[]) data)[i] = in.readDouble();
        case F32 -> ((float[]) data)[i] = in.readFloat();
        case I32 -> ((int[]) data)[i] = in.readInt();
        case I64 -> ((long[]) data)[i] = in.readLong();
        case BOOL -> ((boolean[]) data)[i] = in.readBoolean();
      }
    }
    return CpuTensor.wrap(t.dtype(), data, t.shape());
  }

  private static void writeParams(Params p, DataOutputStream out) throws IOException {
    out.writeInt(p.asMap().size());
    for (Map.Entry<String, Object> e : p.asMap().entrySet()) {
      out.writeUTF(e.getKey());
      Object v = e.getValue();
      if (v instanceof Integer i) {
        out.writeByte('I');
        out.writeInt(i);
      } else if (v instanceof Long l) {
        out.writeByte('L');
        out.writeLong(l);
      } else if (v instanceof Double d) {
        out.writeByte('D');
        out.writeDouble(d);
      } else if (v instanceof Boolean b) {
        out.writeByte('Z');
        out.writeBoolean(b);
      } else if (v instanceof String s) {
        out.writeByte('S');
        out.writeUTF(s);
      } else if (v instanceof DType t) {
        out.writeByte('T');
        out.writeByte(t.ordinal());
      } else if (v instanceof Program sub) {
        out.writeByte('P');
        write(sub, out);
      } else {
        int[] a = (int[]) v;
        out.writeByte('A');
        out.writeInt(a.length);
        for (int x : a) {
          out.writeInt(x);
        }
      }
    }
  }

  private static Params readParams(DataInputStream in) throws IOException {
    int n = in.readInt();
    Object[] pairs = new Object[2 * n];
    for (int i = 0; i < n; i++) {
      pairs[2 * i] = in.readUTF();
      byte tag = in.readByte();
      pairs[2 * i + 1] =
          switch (tag) {
            case 'I' -> in.readInt();
            case 'L' -> in.readLong();
            case 'D' -> in.readDouble();
            case 'Z' -> in.readBoolean();
            case 'S' -> in.readUTF();
            case 'T' -> DType.values()[in.readByte()];
            case 'P' -> read(in);
            case 'A' -> {
              int[] a = new int[in.readInt()];
              for (int k = 0; k < a.length; k++) {
                a[k] = in.readInt();
              }
              yield a;
            }
            default -> throw new IOException("unknown parameter tag " + (char) tag);
          };
    }
    return Params.of(pairs);
  }
}
