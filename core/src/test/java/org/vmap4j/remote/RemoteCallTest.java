package org.vmap4j.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The payload codec: round trip, and bounded, named rejection of what does not fit. */
class RemoteCallTest {
  private static RemoteCall call() {
    return new RemoteCall(
        RemoteCall.Kind.PER_SAMPLE_GRADIENTS,
        new byte[] {1, 2, 3},
        new byte[] {4},
        List.of("features", "label"),
        List.of(new int[] {30}, new int[0]),
        List.of("grad_w", "grad_b", "grad_norm"),
        4096,
        true,
        false,
        "grad_norm",
        1.5,
        List.of(new byte[] {9, 9}, new byte[0]));
  }

  @Test
  void roundTrips() {
    RemoteCall back = RemoteCall.fromBytes(call().toBytes());
    assertThat(back.kind()).isEqualTo(RemoteCall.Kind.PER_SAMPLE_GRADIENTS);
    assertThat(back.program()).containsExactly(1, 2, 3);
    assertThat(back.constants()).containsExactly(4);
    assertThat(back.argumentNames()).containsExactly("features", "label");
    assertThat(back.argumentShapes().get(0)).containsExactly(30);
    assertThat(back.argumentShapes().get(1)).isEmpty();
    assertThat(back.outputNames()).containsExactly("grad_w", "grad_b", "grad_norm");
    assertThat(back.batchSize()).isEqualTo(4096);
    assertThat(back.flat()).isTrue();
    assertThat(back.forwardMode()).isFalse();
    assertThat(back.normColumn()).isEqualTo("grad_norm");
    assertThat(back.clip()).isEqualTo(1.5);
    assertThat(back.argumentExpressions()).hasSize(2);
    assertThat(back.argumentExpressions().get(0)).containsExactly(9, 9);
  }

  @Test
  void registrationRoundTrips() {
    RemoteCall.Registration r =
        RemoteCall.readRegistration(RemoteCall.registration("score", call()));
    assertThat(r.functionName()).isEqualTo("score");
    assertThat(r.call().outputNames()).containsExactly("grad_w", "grad_b", "grad_norm");
  }

  @Test
  void hugeCountsAreRejectedBeforeAllocation() {
    byte[] b = call().toBytes();
    // the argument count follows magic, version, kind and the two length-prefixed blocks
    int at = 4 + 4 + 1 + 4 + 3 + 4 + 1;
    ByteBuffer.wrap(b).putInt(at, Integer.MAX_VALUE);
    assertThatThrownBy(() -> RemoteCall.fromBytes(b))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad argument count at byte")
        .hasMessageContaining("outside [0, 256]");
  }

  @Test
  void aBlockLongerThanThePayloadIsRejected() {
    byte[] b = call().toBytes();
    ByteBuffer.wrap(b).putInt(9, 1 << 30); // the program's length
    assertThatThrownBy(() -> RemoteCall.fromBytes(b))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad program")
        .hasMessageContaining("length 1073741824");
  }

  @Test
  void trailingBytesAndBadClipAreNamed() {
    byte[] b = call().toBytes();
    byte[] longer = java.util.Arrays.copyOf(b, b.length + 2);
    assertThatThrownBy(() -> RemoteCall.fromBytes(longer))
        .hasMessageContaining("2 unexpected bytes");
    RemoteCall c = call();
    RemoteCall negative =
        new RemoteCall(
            c.kind(),
            c.program(),
            c.constants(),
            c.argumentNames(),
            c.argumentShapes(),
            c.outputNames(),
            0,
            false,
            false,
            "",
            -1,
            List.of());
    assertThatThrownBy(() -> RemoteCall.fromBytes(negative.toBytes()))
        .hasMessageContaining("clip bound");
  }
}
