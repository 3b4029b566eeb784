package org.vmap4j.ir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StreamCorruptedException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;
import org.vmap4j.Tensor;

/**
 * The one tensor codec: its layout, round trips, streams, untrusted bytes and format 2 programs.
 */
class TensorCodecTest {
  private static final ProgramLimits LIMITS = ProgramLimits.defaults();

  @Test
  void theLayoutIsTheHeaderThenLittleEndianElements() {
    byte[] got = TensorCodec.toBytes(Tensor.of(new double[] {1.5, -2}, 2));
    // written by hand from the layout in TensorCodec's class comment
    ByteBuffer want = ByteBuffer.allocate(4 + 4 + 1 + 4 + 4 + 16);
    want.put(new byte[] {'V', 'M', 'T', 'N'}).putInt(1).put((byte) DType.F64.ordinal());
    want.putInt(1).putInt(2);
    want.order(ByteOrder.LITTLE_ENDIAN).putDouble(1.5).putDouble(-2);
    assertThat(got).isEqualTo(want.array());
    // the least significant byte of 1.5 (0x3FF8000000000000) comes first
    assertThat(got[17]).isEqualTo((byte) 0);
    assertThat(got[24]).isEqualTo((byte) 0x3f);
  }

  @Test
  void everyDTypeRoundTripsBitForBit() {
    List<Tensor> tensors =
        List.of(
            Tensor.of(new double[] {-0.0, Double.NaN, Double.NEGATIVE_INFINITY, Double.MIN_VALUE}),
            Tensor.of(new float[] {Float.MAX_VALUE, -0f, Float.NaN, 1e-45f, 3, 4}, 2, 3),
            Tensor.of(new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, 2, 2),
            Tensor.of(new long[] {Long.MIN_VALUE, 1L << 40, -7}),
            Tensor.of(new boolean[] {true, false, false, true}, 2, 1, 2),
            Tensor.scalar(2.5), // 0-d
            Tensor.zeros(DType.F32, 3, 0, 2), // no elements
            Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3).transpose()); // a strided view
    for (Tensor t : tensors) {
      for (Tensor back :
          List.of(
              TensorCodec.fromBytes(TensorCodec.toBytes(t)),
              TensorCodec.fromUntrustedBytes(TensorCodec.toBytes(t), LIMITS))) {
        assertThat(back.dtype()).as("%s", t).isEqualTo(t.dtype());
        assertThat(back.shape()).as("%s", t).isEqualTo(t.shape());
        assertThat(bits(back)).as("%s", t).isEqualTo(bits(t));
      }
    }
  }

  @Test
  void aStreamIsReadUpToTheEndOfItsTensorAndNoFurther() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Tensor big = Tensor.randomNormal(3, DType.F64, 50_000); // more than one 64 KiB chunk
    Tensor small = Tensor.of(new int[] {7, 8, 9});
    TensorCodec.write(big, bytes);
    TensorCodec.write(small, bytes);
    bytes.write(42);
    InputStream in = new ByteArrayInputStream(bytes.toByteArray());
    assertThat(bits(TensorCodec.read(in))).isEqualTo(bits(big));
    assertThat(bits(TensorCodec.read(in))).isEqualTo(bits(small));
    assertThat(in.read()).isEqualTo(42);
  }

  @Test
  void aStreamWithoutTheHeaderOrOfAnotherVersionIsRefused() {
    byte[] b = TensorCodec.toBytes(Tensor.of(new double[] {1}));
    b[7] = 9; // the version's last byte
    assertThatThrownBy(() -> TensorCodec.read(new ByteArrayInputStream(b)))
        .isInstanceOf(StreamCorruptedException.class)
        .hasMessageContaining("unsupported tensor format 9")
        .hasMessageContaining("(tensor format 1)");
    assertThatThrownBy(() -> TensorCodec.read(new ByteArrayInputStream(new byte[8])))
        .isInstanceOf(StreamCorruptedException.class)
        .hasMessageContaining("no \"VMTN\" header");
  }

  @Test
  void untrustedBytesAreRejectedNamingWhatAndWhere() {
    byte[] ok = TensorCodec.toBytes(Tensor.of(new boolean[] {true, false}));
    assertRejected(
        java.util.Arrays.copyOf(ok, ok.length - 1),
        "tensor of type bool[2] needs more bytes than the 1 left (at byte 17)");
    assertRejected(java.util.Arrays.copyOf(ok, 11), "end in the middle of the tensor");
    assertRejected(java.util.Arrays.copyOf(ok, ok.length + 1), "1 bytes after the end");
    byte[] notBoolean = ok.clone();
    notBoolean[ok.length - 1] = 5;
    assertRejected(notBoolean, "a boolean must be 0 or 1, got 5 (at byte " + (ok.length - 1));
    byte[] dtype = ok.clone();
    dtype[8] = 17;
    assertRejected(dtype, "unknown dtype code 17");
    byte[] version = ok.clone();
    version[7] = 2;
    assertRejected(version, "unsupported tensor format 2");
    assertRejected(new byte[] {1, 2, 3}, "no \"VMTN\" header");

    // a shape of 2^29 elements in 25 bytes: rejected by the element limit before allocating
    ByteBuffer huge = ByteBuffer.wrap(TensorCodec.toBytes(Tensor.zeros(DType.F64, 1)));
    huge.putInt(13, 1 << 29);
    assertThatThrownBy(() -> TensorCodec.fromUntrustedBytes(huge.array(), LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("ProgramLimits.withMaxTensorElements");
    assertThatThrownBy(
            () ->
                TensorCodec.fromUntrustedBytes(
                    huge.array(),
                    LIMITS.withMaxTensorElements(1 << 30).withMaxTotalElements(1L << 30)))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("needs more bytes than the 8 left");
    assertThatThrownBy(() -> TensorCodec.fromUntrustedBytes(ok, LIMITS.withMaxBytes(10)))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("ProgramLimits.withMaxBytes");
    assertThatThrownBy(
            () ->
                TensorCodec.fromUntrustedBytes(
                    TensorCodec.toBytes(Tensor.zeros(DType.F32, 1, 1, 1)), LIMITS.withMaxRank(2)))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageContaining("ProgramLimits.withMaxRank");
  }

  @Test
  void corruptedBytesAreRejectedOrReadButNeverCrashTheReader() {
    Random r = new Random(16);
    List<byte[]> seeds =
        List.of(
            TensorCodec.toBytes(Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2)),
            TensorCodec.toBytes(Tensor.of(new boolean[] {true, false, true})),
            TensorCodec.toBytes(Tensor.scalar(1.0)));
    int accepted = 0;
    for (int i = 0; i < 3000; i++) {
      byte[] b = seeds.get(r.nextInt(seeds.size())).clone();
      int flips = 1 + r.nextInt(3);
      for (int k = 0; k < flips; k++) {
        b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
      }
      if (r.nextInt(4) == 0) {
        b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 4));
      }
      try {
        Tensor t = TensorCodec.fromUntrustedBytes(b, LIMITS.withMaxTensorElements(1 << 16));
        assertThat(t.size()).isLessThanOrEqualTo(1 << 16);
        accepted++;
      } catch (RejectedProgramException expected) {
        assertThat(expected.getMessage()).startsWith("rejected tensor: ").contains("(at byte ");
      }
    }
    // flips of element bytes are accepted (any bit pattern is a float); header flips are not
    assertThat(accepted).isBetween(300, 2700);
  }

  @Test
  void aFormat2ProgramWithBigEndianConstantsIsStillRead() throws IOException {
    byte[] bytes = resource("program-format2.bin");
    assertThat(ByteBuffer.wrap(bytes).getInt(4)).isEqualTo(2);
    String text = new String(resource("program-format2.txt"), "UTF-8");
    for (Program p :
        List.of(
            ProgramSerializer.fromBytes(bytes),
            ProgramSerializer.fromUntrustedBytes(bytes, LIMITS))) {
      assertThat(p.toString()).isEqualTo(text);
      // the constants GenerateFormat2Program.java.txt traced, as its literals give them
      List<org.vmap4j.cpu.CpuTensor> c = p.constValues();
      assertThat(c.get(0).toDoubleArray())
          .containsExactly(1.5, -2.25, Double.NaN, Double.NEGATIVE_INFINITY, 1e-300, 7);
      assertThat(c.get(1).toFloatArray()).containsExactly(0.5f, -3f, Float.MAX_VALUE);
      assertThat(c.get(2).toIntArray()).containsExactly(1, -2, Integer.MIN_VALUE);
      assertThat(c.get(3).toLongArray()).containsExactly(Long.MAX_VALUE, -5, 0);
      assertThat(c.get(4).toBooleanArray()).containsExactly(true, false, true);
      // and written again it is format 3, which reads back to the same program
      byte[] again = ProgramSerializer.toBytes(p);
      assertThat(ByteBuffer.wrap(again).getInt(4)).isEqualTo(ProgramSerializer.FORMAT_VERSION);
      assertThat(ProgramSerializer.fromUntrustedBytes(again, LIMITS).toString()).isEqualTo(text);
      assertThat(ProgramSerializer.fromBytes(again).constValues().get(0).toDoubleArray())
          .containsExactly(1.5, -2.25, Double.NaN, Double.NEGATIVE_INFINITY, 1e-300, 7);
    }
  }

  @Test
  void aProgramsConstantsAreTheCodecsElementBytes() {
    Tensor c = Tensor.of(new double[] {1.5, -2, 1e300});
    Program p = org.vmap4j.Func.trace((List<Tensor> xs) -> xs.get(0).mul(c), List.of(c));
    byte[] program = ProgramSerializer.toBytes(p);
    byte[] tensor = TensorCodec.toBytes(c);
    byte[] elements = java.util.Arrays.copyOfRange(tensor, tensor.length - 24, tensor.length);
    assertThat(indexOf(program, elements))
        .as("the constant's elements in the program")
        .isPositive();
  }

  private static void assertRejected(byte[] b, String message) {
    assertThatThrownBy(() -> TensorCodec.fromUntrustedBytes(b, LIMITS))
        .isInstanceOf(RejectedProgramException.class)
        .hasMessageStartingWith("rejected tensor: ")
        .hasMessageContaining(message);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int k = 0; k < needle.length; k++) {
        if (haystack[i + k] != needle[k]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = TensorCodecTest.class.getResourceAsStream(name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }

  /** Every element's exact bits, as longs, so that NaN and -0.0 compare exactly. */
  private static long[] bits(Tensor t) {
    return switch (t.dtype()) {
      case F64 ->
          java.util.Arrays.stream(t.toDoubleArray())
              .mapToLong(Double::doubleToRawLongBits)
              .toArray();
      case F32 -> {
        float[] f = t.toFloatArray();
        long[] out = new long[f.length];
        for (int i = 0; i < f.length; i++) {
          out[i] = Float.floatToRawIntBits(f[i]);
        }
        yield out;
      }
      case I32 -> java.util.Arrays.stream(t.toIntArray()).asLongStream().toArray();
      case I64 -> t.toLongArray();
      case BOOL -> {
        boolean[] b = t.toBooleanArray();
        long[] out = new long[b.length];
        for (int i = 0; i < b.length; i++) {
          out[i] = b[i] ? 1 : 0;
        }
        yield out;
      }
    };
  }
}
