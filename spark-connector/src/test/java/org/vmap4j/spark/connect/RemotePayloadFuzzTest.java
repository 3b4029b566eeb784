package org.vmap4j.spark.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.vmap4j.Tensor;
import org.vmap4j.ir.ProgramSerializer;
import org.vmap4j.remote.RemoteCall;
import org.vmap4j.spark.VmapUdf;
import org.vmap4j.transforms.Staging;

/**
 * The plugin's own parsing of what a Spark Connect client sends (the protobuf Any, the {@link
 * RemoteCall} payload, the programs inside, and the udf built from them), fed seeded random and
 * mutated payloads: every one either builds a udf or fails with an {@link IllegalArgumentException}
 * whose message says what was wrong; never another exception, a hang or an {@link Error}.
 */
class RemotePayloadFuzzTest {
  private static final int CASES = 3000;

  /** A valid call of each kind, as the client module writes them. */
  private static List<RemoteCall> seeds() {
    byte[] constants = program(a -> List.of(Tensor.of(new double[] {1, 2, 3})), new Object[0]);
    byte[] none = program(a -> List.of(), new Object[0]);
    byte[] plain =
        program(
            a -> ((List<Tensor>) a[1]).get(0).mul(((List<Tensor>) a[0]).get(0)).sum(),
            new Object[] {
              List.of(Tensor.of(new double[] {1, 2, 3})),
              List.of(Tensor.zeros(org.vmap4j.DType.F64, 3))
            });
    byte[] jac =
        program(
            a -> ((List<Tensor>) a[1]).get(0).sin(),
            new Object[] {List.of(), List.of(Tensor.zeros(org.vmap4j.DType.F64, 3))});
    List<byte[]> noExpressions = List.of();
    return List.of(
        new RemoteCall(
            RemoteCall.Kind.VMAP_UDF,
            plain,
            constants,
            List.of("x"),
            List.of(new int[] {3}),
            List.of("s"),
            0,
            false,
            false,
            "",
            0,
            noExpressions),
        new RemoteCall(
            RemoteCall.Kind.PER_SAMPLE_GRADIENTS,
            plain,
            constants,
            List.of("x"),
            List.of(new int[] {3}),
            List.of("grad", "norm"),
            128,
            true,
            false,
            "norm",
            0.5,
            noExpressions),
        new RemoteCall(
            RemoteCall.Kind.JACOBIANS,
            jac,
            none,
            List.of("x"),
            List.of(new int[] {3}),
            List.of("jacobian"),
            0,
            false,
            true,
            "",
            0,
            List.of(new byte[] {10, 3, 'a', 'b', 'c'})));
  }

  @SuppressWarnings("unchecked")
  private static byte[] program(java.util.function.Function<Object[], Object> fn, Object[] args) {
    return ProgramSerializer.toBytes(Staging.trace(fn, args, "test").program());
  }

  /** The plugin's path from the Any's bytes to a udf (the argument expressions aside). */
  private static VmapUdf parse(byte[] any) {
    byte[] payload = ProtoAny.unpack(any, RemoteCall.TYPE_URL).orElse(null);
    if (payload == null) {
      return null;
    }
    return RemoteUdfs.udf(RemoteCall.fromBytes(payload));
  }

  /** A serialized google.protobuf.Any: field 1 the type URL, field 2 the value. */
  static byte[] any(String typeUrl, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    field(out, 1, typeUrl.getBytes(StandardCharsets.UTF_8));
    field(out, 2, value);
    return out.toByteArray();
  }

  private static void field(ByteArrayOutputStream out, int number, byte[] bytes) {
    varint(out, (number << 3) | 2);
    varint(out, bytes.length);
    out.writeBytes(bytes);
  }

  private static void varint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  @Test
  void seedsBuildUdfs() {
    for (RemoteCall seed : seeds()) {
      assertThat(parse(any(RemoteCall.TYPE_URL, seed.toBytes()))).isNotNull();
    }
    // another type URL is another plugin's: not ours, no error
    assertThat(parse(any("type.googleapis.com/other.Thing", new byte[] {1, 2}))).isNull();
  }

  @Test
  void mutatedPayloadsGiveOnlyCleanNamedErrors() {
    Random random = new Random(20261206);
    List<byte[]> seeds = new ArrayList<>();
    for (RemoteCall c : seeds()) {
      seeds.add(c.toBytes());
    }
    Map<String, Integer> outcomes = new TreeMap<>();
    for (int i = 0; i < CASES; i++) {
      byte[] payload = mutate(seeds.get(random.nextInt(seeds.size())), random);
      byte[] any =
          i % 10 == 0
              ? mutate(any(RemoteCall.TYPE_URL, payload), random)
              : any(RemoteCall.TYPE_URL, payload);
      String outcome;
      try {
        parse(any);
        outcome = "accepted";
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).as("case " + i).isNotBlank();
        assertThat(e.getMessage())
            .as("case %d: %s", i, e.getMessage())
            .containsAnyOf("vmap4j", "rejected program", "program", "shape", "dtype");
        outcome = e.getClass().getSimpleName();
      } catch (Throwable t) {
        throw new AssertionError("case " + i + ": not a clean error", t);
      }
      outcomes.merge(outcome, 1, Integer::sum);
    }
    // the mutations reach past the header: both rejections and survivors occur
    assertThat(outcomes).containsKey("accepted");
    assertThat(outcomes.keySet()).hasSizeGreaterThan(1);
  }

  @Test
  void versionMismatchNamesBothVersions() {
    RemoteCall seed = seeds().get(0);
    byte[] payload = seed.toBytes();
    payload[7] = 9; // the payload's format version (bytes 4..7)
    assertThatThrownBy(() -> parse(any(RemoteCall.TYPE_URL, payload)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("format version 9")
        .hasMessageContaining("version " + RemoteCall.FORMAT_VERSION);

    byte[] program = seed.program().clone();
    program[7] = 7; // the program's format (bytes 4..7 of ProgramSerializer's header)
    RemoteCall old =
        new RemoteCall(
            seed.kind(),
            program,
            seed.constants(),
            seed.argumentNames(),
            seed.argumentShapes(),
            seed.outputNames(),
            0,
            false,
            false,
            "",
            0,
            List.of());
    assertThatThrownBy(() -> parse(any(RemoteCall.TYPE_URL, old.toBytes())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("format 7")
        .hasMessageContaining("format " + ProgramSerializer.FORMAT_VERSION);
  }

  @Test
  void truncatedPayloadNamesTheField() {
    byte[] payload = seeds().get(1).toBytes();
    byte[] cut = java.util.Arrays.copyOf(payload, payload.length - 3);
    assertThatThrownBy(() -> RemoteCall.fromBytes(cut))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("truncated");
  }

  private static byte[] mutate(byte[] seed, Random random) {
    byte[] b = seed.clone();
    switch (random.nextInt(5)) {
      case 0 -> { // flip a few bytes
        for (int k = 1 + random.nextInt(4); k > 0; k--) {
          b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
        }
      }
      case 1 -> b = java.util.Arrays.copyOf(b, random.nextInt(b.length)); // truncate
      case 2 -> { // a huge or negative length/count at a random 4-byte boundary
        int at = random.nextInt(Math.max(1, b.length - 4));
        int v =
            random.nextBoolean() ? Integer.MAX_VALUE - random.nextInt(16) : -1 - random.nextInt(16);
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
      }
      case 3 -> { // random bytes
        b = new byte[random.nextInt(64)];
        random.nextBytes(b);
      }
      default -> { // insert junk in the middle
        int at = random.nextInt(b.length);
        byte[] junk = new byte[1 + random.nextInt(8)];
        random.nextBytes(junk);
        byte[] out = new byte[b.length + junk.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(junk, 0, out, at, junk.length);
        System.arraycopy(b, at, out, at + junk.length, b.length - at);
        b = out;
      }
    }
    return b;
  }
}
