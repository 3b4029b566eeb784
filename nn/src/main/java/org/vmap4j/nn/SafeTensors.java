package org.vmap4j.nn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length n, n bytes of JSON
 * ({@code {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {"key": "value"}}}), then the tensors' little-endian bytes, row-major, each at
 * its offsets relative to the end of the header.
 *
 * <p>Read: F64, F32, I64, I32 and BOOL as themselves; F16 and BF16 widened to F32 (exactly). A file
 * that does not follow the format is an {@link IllegalArgumentException} naming the file, the
 * tensor and what is wrong (truncated, offsets overlapping or leaving a hole, a size that does not
 * match the shape, an unknown dtype); nothing is read outside the file's data section.
 *
 * <p>Written: F64, F32, I64, I32 and BOOL, in the map's order, the header padded with spaces to a
 * multiple of 8 bytes so that every tensor is aligned.
 */
public final class SafeTensors {
  /** The largest header accepted (as the reference implementation): guards against garbage. */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private static final String METADATA = "__metadata__";

  private SafeTensors() {}

  /** A file's tensors in header order, and its {@code __metadata__} (empty when absent). */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  /** The tensors of a safetensors file, by name, in the header's order. */
  public static Map<String, Tensor> load(Path file) throws IOException {
    return read(file).tensors();
  }

  /** The {@code __metadata__} map of a file (reads the header only). */
  public static Map<String, String> metadata(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return header(ch, file).metadata();
    }
  }

  /** Tensors and metadata of a file. */
  public static Contents read(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Header h = header(ch, file);
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (Entry e : h.entries()) {
        if (e.byteLength() > Integer.MAX_VALUE - 8) {
          // one Java byte buffer per tensor for now; the array itself could be larger
          throw bad(
              file,
              "tensor \""
                  + e.name()
                  + "\" has "
                  + e.byteLength()
                  + " bytes; tensors over 2 GiB are not read yet");
        }
        ByteBuffer bytes = ByteBuffer.allocate((int) e.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        long at = h.dataStart() + e.begin();
        while (bytes.hasRemaining()) {
          int n = ch.read(bytes, at + bytes.position());
          if (n < 0) {
            throw bad(file, "tensor \"" + e.name() + "\": the file ends inside its data");
          }
        }
        bytes.flip();
        tensors.put(e.name(), decode(e, bytes, file));
      }
      return new Contents(
          Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(h.metadata()));
    }
  }

  public static void save(Path file, Map<String, Tensor> tensors) throws IOException {
    save(file, tensors, Map.of());
  }

  /** Writes tensors (in the map's iteration order) and a metadata map of strings. */
  public static void save(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    StringBuilder json = new StringBuilder("{");
    if (!metadata.isEmpty()) {
      json.append(Json.quote(METADATA)).append(":{");
      boolean first = true;
      for (Map.Entry<String, String> m : metadata.entrySet()) {
        if (m.getKey() == null || m.getValue() == null) {
          throw new IllegalArgumentException("safetensors metadata: null key or value " + m);
        }
        json.append(first ? "" : ",").append(Json.quote(m.getKey())).append(':');
        json.append(Json.quote(m.getValue()));
        first = false;
      }
      json.append('}');
    }
    long offset = 0;
    List<Tensor> order = new ArrayList<>();
    for (Map.Entry<String, Tensor> t : tensors.entrySet()) {
      String name = t.getKey();
      Tensor x = t.getValue();
      if (name == null || x == null) {
        throw new IllegalArgumentException("safetensors: null name or tensor for \"" + name + "\"");
      }
      if (name.equals(METADATA)) {
        throw new IllegalArgumentException("safetensors: \"__metadata__\" is not a tensor name");
      }
      Code code = Code.of(x.dtype());
      long length = (long) x.size() * code.bytes;
      json.append(json.length() > 1 ? "," : "").append(Json.quote(name));
      json.append(":{\"dtype\":\"").append(code.name()).append("\",\"shape\":[");
      int[] s = x.shape();
      for (int i = 0; i < s.length; i++) {
        json.append(i > 0 ? "," : "").append(s[i]);
      }
      json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + length);
      json.append("]}");
      offset += length;
      order.add(x);
    }
    json.append('}');
    byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (header.length + 7) / 8 * 8;
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(header);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    try (FileChannel ch =
        FileChannel.open(
            file,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      writeFully(ch, head);
      for (Tensor x : order) {
        writeFully(ch, encode(x));
      }
    }
  }

  // ---------------------------------------------------------------- header

  private record Entry(String name, Code code, int[] shape, long begin, long end) {
    long byteLength() {
      return end - begin;
    }
  }

  private record Header(List<Entry> entries, Map<String, String> metadata, long dataStart) {}

  private static Header header(FileChannel ch, Path file) throws IOException {
    long size = ch.size();
    if (size < 8) {
      throw bad(file, "truncated: " + size + " bytes, fewer than the 8 of the header length");
    }
    ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, len, 0, file);
    long n = len.flip().getLong();
    if (n < 0 || n > MAX_HEADER_BYTES) {
      throw bad(file, "header length " + Long.toUnsignedString(n) + " is not a plausible size");
    }
    if (8 + n > size) {
      throw bad(
          file,
          "truncated: the header claims "
              + n
              + " bytes but the file has "
              + (size - 8)
              + " after the length");
    }
    ByteBuffer raw = ByteBuffer.allocate((int) n);
    readFully(ch, raw, 8, file);
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(raw.flip())
              .toString();
    } catch (CharacterCodingException e) {
      throw bad(file, "the header is not valid UTF-8");
    }
    Object parsed;
    try {
      parsed = Json.parse(text);
    } catch (IllegalArgumentException e) {
      throw bad(file, e.getMessage());
    }
    if (!(parsed instanceof Map<?, ?> top)) {
      throw bad(file, "the header is not a JSON object");
    }
    long dataSize = size - 8 - n;
    List<Entry> entries = new ArrayList<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<?, ?> kv : top.entrySet()) {
      String name = (String) kv.getKey();
      if (name.equals(METADATA)) {
        if (!(kv.getValue() instanceof Map<?, ?> m)) {
          throw bad(file, "__metadata__ must be an object of strings");
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (!(e.getValue() instanceof String v)) {
            throw bad(file, "__metadata__ value of \"" + e.getKey() + "\" is not a string");
          }
          metadata.put((String) e.getKey(), v);
        }
        continue;
      }
      entries.add(entry(name, kv.getValue(), dataSize, file));
    }
    checkCoverage(entries, dataSize, file);
    return new Header(entries, metadata, 8 + n);
  }

  private static Entry entry(String name, Object spec, long dataSize, Path file) {
    String where = "tensor \"" + name + "\": ";
    if (!(spec instanceof Map<?, ?> m)) {
      throw bad(file, where + "its entry is not an object");
    }
    for (Object key : m.keySet()) {
      if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
        throw bad(file, where + "unexpected field \"" + key + "\"");
      }
    }
    if (!(m.get("dtype") instanceof String dtype)) {
      throw bad(file, where + "no dtype string");
    }
    Code code = Code.parse(dtype, where, file);
    if (!(m.get("shape") instanceof List<?> dims)) {
      throw bad(file, where + "no shape array");
    }
    int[] shape = new int[dims.size()];
    long count = 1;
    for (int i = 0; i < shape.length; i++) {
      if (!(dims.get(i) instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
        throw bad(file, where + "shape " + dims + " must hold non-negative integers");
      }
      shape[i] = (int) (long) d;
      count *= d;
      if (count > Integer.MAX_VALUE) {
        throw bad(file, where + "shape " + dims + " has more than 2^31 - 1 elements");
      }
    }
    if (!(m.get("data_offsets") instanceof List<?> off)
        || off.size() != 2
        || !(off.get(0) instanceof Long begin)
        || !(off.get(1) instanceof Long end)) {
      throw bad(file, where + "data_offsets must be two integers [begin, end]");
    }
    if (begin < 0 || end < begin) {
      throw bad(file, where + "data_offsets " + off + " are not 0 <= begin <= end");
    }
    if (end > dataSize) {
      throw bad(
          file,
          where
              + "data_offsets "
              + off
              + " run past the data section ("
              + dataSize
              + " bytes): the file is truncated");
    }
    long expected = count * code.bytes;
    if (end - begin != expected) {
      throw bad(
          file,
          where
              + "data_offsets "
              + off
              + " hold "
              + (end - begin)
              + " bytes, but "
              + code
              + " of shape "
              + Checks.shape(shape)
              + " needs "
              + expected);
    }
    return new Entry(name, code, shape, begin, end);
  }

  /** The format requires the tensors to tile the data section: no overlap and no hole. */
  private static void checkCoverage(List<Entry> entries, long dataSize, Path file) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(
        (a, b) ->
            a.begin() != b.begin()
                ? Long.compare(a.begin(), b.begin())
                : Long.compare(a.end(), b.end()));
    long reached = 0;
    Entry previous = null;
    for (Entry e : sorted) {
      if (e.begin() < reached) {
        throw bad(
            file,
            "tensors \""
                + previous.name()
                + "\" ["
                + previous.begin()
                + ", "
                + previous.end()
                + ") and \""
                + e.name()
                + "\" ["
                + e.begin()
                + ", "
                + e.end()
                + ") overlap");
      }
      if (e.begin() > reached) {
        throw bad(
            file, "bytes [" + reached + ", " + e.begin() + ") of the data belong to no tensor");
      }
      reached = e.end();
      previous = e;
    }
    if (reached != dataSize) {
      throw bad(
          file,
          "bytes [" + reached + ", " + dataSize + ") at the end of the data belong to no tensor");
    }
  }

  // ---------------------------------------------------------------- element codes

  /** The element types of the format that are read; F16 and BF16 are widened to F32. */
  private enum Code {
    F64(8),
    F32(4),
    F16(2),
    BF16(2),
    I64(8),
    I32(4),
    BOOL(1);

    final int bytes;

    Code(int bytes) {
      this.bytes = bytes;
    }

    static Code parse(String s, String where, Path file) {
      for (Code c : values()) {
        if (c.name().equals(s)) {
          return c;
        }
      }
      boolean known =
          List.of("I8", "U8", "I16", "U16", "U32", "U64", "F8_E4M3", "F8_E5M2").contains(s);
      throw bad(
          file,
          where
              + (known ? "dtype " + s + " is not supported" : "unknown dtype \"" + s + "\"")
              + " (supported: F64, F32, F16, BF16, I64, I32, BOOL)");
    }

    static Code of(DType t) {
      return switch (t) {
        case F64 -> F64;
        case F32 -> F32;
        case I64 -> I64;
        case I32 -> I32;
        case BOOL -> BOOL;
      };
    }
  }

  private static Tensor decode(Entry e, ByteBuffer b, Path file) {
    int n = (int) (e.byteLength() / e.code().bytes);
    Object data =
        switch (e.code()) {
          case F64 -> {
            double[] a = new double[n];
            b.asDoubleBuffer().get(a);
            yield a;
          }
          case F32 -> {
            float[] a = new float[n];
            b.asFloatBuffer().get(a);
            yield a;
          }
          case F16 -> {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
              a[i] = HalfFloats.halfToFloat(b.getShort());
            }
            yield a;
          }
          case BF16 -> {
            float[] a = new float[n];
            for (int i = 0; i < n; i++) {
              a[i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
            }
            yield a;
          }
          case I64 -> {
            long[] a = new long[n];
            b.asLongBuffer().get(a);
            yield a;
          }
          case I32 -> {
            int[] a = new int[n];
            b.asIntBuffer().get(a);
            yield a;
          }
          case BOOL -> {
            boolean[] a = new boolean[n];
            for (int i = 0; i < n; i++) {
              byte v = b.get();
              if (v != 0 && v != 1) {
                throw bad(
                    file,
                    "tensor \"" + e.name() + "\": BOOL element " + i + " is " + v + ", not 0 or 1");
              }
              a[i] = v == 1;
            }
            yield a;
          }
        };
    int[] shape = e.shape();
    return shape.length == 0 ? Tensor.wrap(data, 1).reshape() : Tensor.wrap(data, shape);
  }

  private static ByteBuffer encode(Tensor x) {
    Code code = Code.of(x.dtype());
    ByteBuffer b = ByteBuffer.allocate(x.size() * code.bytes).order(ByteOrder.LITTLE_ENDIAN);
    switch (code) {
      case F64 -> b.asDoubleBuffer().put(x.toDoubleArray());
      case F32 -> b.asFloatBuffer().put(x.toFloatArray());
      case I64 -> b.asLongBuffer().put(x.toLongArray());
      case I32 -> b.asIntBuffer().put(x.toIntArray());
      case BOOL -> {
        for (boolean v : x.toBooleanArray()) {
          b.put((byte) (v ? 1 : 0));
        }
        b.flip();
      }
      default -> throw new IllegalStateException("not written: " + code);
    }
    b.position(0);
    return b;
  }

  private static void readFully(FileChannel ch, ByteBuffer into, long at, Path file)
      throws IOException {
    while (into.hasRemaining()) {
      if (ch.read(into, at + into.position()) < 0) {
        throw bad(file, "truncated");
      }
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static IllegalArgumentException bad(Path file, String message) {
    return new IllegalArgumentException("safetensors file " + file + ": " + message);
  }
}
