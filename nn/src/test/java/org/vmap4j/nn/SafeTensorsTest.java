package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * The safetensors reader and writer: files PyTorch's values were written into by
 * generate_fixtures.py (every dtype, metadata), files Java wrote read back by the same script, and
 * damaged files, each rejected with an error that says what is wrong.
 */
class SafeTensorsTest {
  @TempDir Path dir;

  @Test
  void readsEveryDtypeThePythonScriptWrote() throws IOException {
    SafeTensors.Contents c = SafeTensors.read(Fixtures.path("dtypes.safetensors"));
    Map<String, Tensor> t = c.tensors();
    assertThat(t.keySet())
        .containsExactly(
            "f64",
            "f32",
            "f16",
            "bf16",
            "i64",
            "i32",
            "bool",
            "scalar",
            "empty",
            "f16.as_f64",
            "bf16.as_f64");
    assertThat(t.get("f64").dtype()).isEqualTo(DType.F64);
    assertThat(t.get("f64").shape()).containsExactly(2, 2);
    assertThat(t.get("f64").toDoubleArray()).containsExactly(1.5, -2.25, 1e-300, 3.0);
    assertThat(t.get("f32").toFloatArray()).containsExactly(1.25f, -3.5f, 1e-40f, 3.4e38f);
    // half types widen to F32 exactly: PyTorch's own widening to F64 is the reference
    for (String half : new String[] {"f16", "bf16"}) {
      assertThat(t.get(half).dtype()).isEqualTo(DType.F32);
      assertThat(t.get(half).astype(DType.F64).toDoubleArray())
          .as(half)
          .containsExactly(t.get(half + ".as_f64").toDoubleArray());
    }
    assertThat(1 / t.get("f16").toDoubleArray()[6]).isEqualTo(Double.NEGATIVE_INFINITY); // -0
    assertThat(t.get("i64").toLongArray()).containsExactly(-(1L << 62), 7L);
    assertThat(t.get("i64").shape()).containsExactly(1, 2);
    assertThat(t.get("i32").toIntArray()).containsExactly(Integer.MIN_VALUE, Integer.MAX_VALUE, 0);
    assertThat(t.get("bool").toBooleanArray()).containsExactly(true, false, true);
    assertThat(t.get("scalar").shape()).isEmpty();
    assertThat(t.get("scalar").item()).isEqualTo(4.5);
    assertThat(t.get("empty").shape()).containsExactly(0, 3);
    assertThat(c.metadata())
        .containsExactly(
            Map.entry("format", "pt"), Map.entry("note", "quotes \" and unicode \u00e9 survive"));
    assertThat(SafeTensors.metadata(Fixtures.path("dtypes.safetensors"))).isEqualTo(c.metadata());
  }

  @Test
  void roundTripKeepsOrderValuesAndMetadata() throws IOException {
    Map<String, Tensor> in = new LinkedHashMap<>();
    in.put("z.last", Tensor.randomNormal(1, DType.F64, 3, 4));
    in.put("a.first", Tensor.randomNormal(2, DType.F32, 5));
    in.put("ints", Tensor.of(new long[] {1, -2, Long.MAX_VALUE}));
    in.put("int32", Tensor.of(new int[] {7, 8}, 1, 2));
    in.put("flags", Tensor.of(new boolean[] {true, false}));
    in.put("zero-d", Tensor.scalar(-1.25));
    Path f = dir.resolve("round.safetensors");
    SafeTensors.save(f, in, Map.of("k", "v\n\"quoted\""));
    SafeTensors.Contents c = SafeTensors.read(f);
    assertThat(c.tensors().keySet()).containsExactlyElementsOf(in.keySet());
    for (String k : in.keySet()) {
      Tensor a = in.get(k);
      Tensor b = c.tensors().get(k);
      assertThat(b.dtype()).as(k).isEqualTo(a.dtype());
      assertThat(b.shape()).as(k).isEqualTo(a.shape());
      assertThat(b.toDoubleArray()).as(k).isEqualTo(a.toDoubleArray());
    }
    assertThat(c.metadata()).containsExactly(Map.entry("k", "v\n\"quoted\""));
    // the header is padded so that the data starts 8-byte aligned
    long headerLength =
        ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(headerLength % 8).isZero();
  }

  @Test
  void javaFilesReadBackInPython() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    assumeTrue(Files.isExecutable(python), "needs /usr/bin/python3 with PyTorch");
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("weight", Tensor.arange(6).astype(DType.F64).div(4).sub(0.5).reshape(2, 3));
    t.put("bias", Tensor.of(new float[] {1.5f, -2f}));
    t.put("steps", Tensor.of(new long[] {123456789012L}, 1).reshape());
    t.put("index", Tensor.of(new int[] {3, -1, 0}));
    t.put("mask", Tensor.of(new boolean[] {true, false}, 1, 2));
    Path f = dir.resolve("from-java.safetensors");
    SafeTensors.save(f, t, new LinkedHashMap<>(Map.of("source", "vmap4j", "epoch", "3")));
    Path script = Path.of("src/test/python/generate_fixtures.py").toAbsolutePath();
    Process p =
        new ProcessBuilder(python.toString(), script.toString(), "verify", f.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assumeTrue(!out.contains("ModuleNotFoundError"), "PyTorch is not installed: " + out);
    assertThat(out.strip()).isEqualTo("OK");
    assertThat(p.exitValue()).isZero();
  }

  // ---------------------------------------------------------------- damaged files

  /** A file of a header (JSON text as given) and {@code dataBytes} zero bytes of data. */
  private Path file(String json, int dataBytes) throws IOException {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    Path f = dir.resolve("bad.safetensors");
    Files.write(f, b.array());
    return f;
  }

  private static String entry(String name, String dtype, String shape, long begin, long end) {
    return "\""
        + name
        + "\":{\"dtype\":\""
        + dtype
        + "\",\"shape\":"
        + shape
        + ",\"data_offsets\":["
        + begin
        + ","
        + end
        + "]}";
  }

  @Test
  void truncatedFiles() throws IOException {
    Path tiny = dir.resolve("tiny.safetensors");
    Files.write(tiny, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> SafeTensors.load(tiny))
        .hasMessageContaining("truncated")
        .hasMessageContaining("3 bytes");
    // the header claims more bytes than the file has
    Path shortHeader = dir.resolve("short.safetensors");
    ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(100).putInt(0);
    Files.write(shortHeader, b.array());
    assertThatThrownBy(() -> SafeTensors.load(shortHeader)).hasMessageContaining("truncated");
    // a tensor's data runs past the end of the file
    Path cut = file("{" + entry("w", "F64", "[2,2]", 0, 32) + "}", 24);
    assertThatThrownBy(() -> SafeTensors.load(cut))
        .hasMessageContaining("tensor \"w\"")
        .hasMessageContaining("past the data section (24 bytes)")
        .hasMessageContaining("truncated");
  }

  @Test
  void implausibleHeaderLength() throws IOException {
    Path f = dir.resolve("huge.safetensors");
    Files.write(f, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).array());
    assertThatThrownBy(() -> SafeTensors.load(f)).hasMessageContaining("not a plausible size");
  }

  @Test
  void overlappingOffsetsAndHoles() throws IOException {
    Path overlap =
        file(
            "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", 12);
    assertThatThrownBy(() -> SafeTensors.load(overlap))
        .hasMessageContaining("\"a\" [0, 8) and \"b\" [4, 12) overlap");
    Path hole =
        file(
            "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}", 12);
    assertThatThrownBy(() -> SafeTensors.load(hole))
        .hasMessageContaining("bytes [4, 8) of the data belong to no tensor");
    Path trailing = file("{" + entry("a", "F32", "[1]", 0, 4) + "}", 8);
    assertThatThrownBy(() -> SafeTensors.load(trailing))
        .hasMessageContaining("bytes [4, 8) at the end");
  }

  @Test
  void dtypesAndSizes() throws IOException {
    Path unknown = file("{" + entry("w", "F128", "[1]", 0, 16) + "}", 16);
    assertThatThrownBy(() -> SafeTensors.load(unknown))
        .hasMessageContaining("tensor \"w\": unknown dtype \"F128\"")
        .hasMessageContaining("supported: F64, F32, F16, BF16, I64, I32, BOOL");
    Path unsupported = file("{" + entry("w", "U8", "[4]", 0, 4) + "}", 4);
    assertThatThrownBy(() -> SafeTensors.load(unsupported))
        .hasMessageContaining("dtype U8 is not supported");
    Path mismatch = file("{" + entry("w", "F32", "[2,3]", 0, 20) + "}", 20);
    assertThatThrownBy(() -> SafeTensors.load(mismatch))
        .hasMessageContaining("hold 20 bytes, but F32 of shape [2, 3] needs 24");
    Path negative = file("{" + entry("w", "F32", "[-1]", 0, 0) + "}", 0);
    assertThatThrownBy(() -> SafeTensors.load(negative)).hasMessageContaining("non-negative");
    Path badBool = file("{" + entry("m", "BOOL", "[2]", 0, 2) + "}", 0);
    Files.write(badBool, new byte[] {1, 2}, java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(() -> SafeTensors.load(badBool)).hasMessageContaining("BOOL element 1 is 2");
  }

  @Test
  void malformedHeaders() throws IOException {
    assertThatThrownBy(() -> SafeTensors.load(file("{\"w\": {\"dtype\": \"F32\",}", 0)))
        .hasMessageContaining("malformed JSON header at character");
    assertThatThrownBy(() -> SafeTensors.load(file("[1, 2]", 0)))
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(
            () ->
                SafeTensors.load(
                    file(
                        "{"
                            + entry("w", "F32", "[1]", 0, 4)
                            + ","
                            + entry("w", "F32", "[1]", 0, 4)
                            + "}",
                        4)))
        .hasMessageContaining("repeated key \"w\"");
    assertThatThrownBy(() -> SafeTensors.load(file("{\"__metadata__\": {\"n\": 3}}", 0)))
        .hasMessageContaining("__metadata__ value of \"n\" is not a string");
    assertThatThrownBy(
            () ->
                SafeTensors.load(
                    file(
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}",
                        4)))
        .hasMessageContaining("unexpected field \"x\"");
    Path notUtf8 = dir.resolve("latin1.safetensors");
    Files.write(
        notUtf8,
        ByteBuffer.allocate(11)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putLong(3)
            .put(new byte[] {'{', (byte) 0xff, '}'})
            .array());
    assertThatThrownBy(() -> SafeTensors.load(notUtf8)).hasMessageContaining("not valid UTF-8");
  }

  @Test
  void tensorsOverTwoGibAreRefusedClearly() throws IOException {
    long bytes = 8L * 268_435_457; // just over 2 GiB of F64
    Path f = file("{" + entry("big", "F64", "[268435457]", 0, bytes) + "}", 0);
    try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(raf.length() + bytes); // sparse: no disk is used
    }
    assertThatThrownBy(() -> SafeTensors.load(f))
        .hasMessageContaining("tensor \"big\" has 2147483656 bytes")
        .hasMessageContaining("over 2 GiB are not read yet");
  }

  @Test
  void emptyFileOfNoTensors() throws IOException {
    Path f = dir.resolve("none.safetensors");
    SafeTensors.save(f, Map.of());
    assertThat(SafeTensors.load(f)).isEmpty();
    assertThat(SafeTensors.metadata(f)).isEmpty();
  }
}
