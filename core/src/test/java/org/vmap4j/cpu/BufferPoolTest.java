package org.vmap4j.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmap4j.DType;

/** What a pool takes back: its own escaped results when recycled, nothing it did not hand out. */
class BufferPoolTest {
  @Test
  void aRecycledResultServesTheNextCallZeroFilled() {
    BufferPool pool = new BufferPool();
    double[] first = pool.using(() -> fill((double[]) Storage.allocate(DType.F64, 8)), List::of);
    pool.giveBack(first);
    Object second = pool.using(() -> Storage.allocate(DType.F64, 8), List::of);
    assertThat(second).isSameAs(first);
    assertThat((double[]) second).containsOnly(0.0);
    assertThat(pool.reusedCount()).isEqualTo(1);
  }

  @Test
  void aResultThatIsNotRecycledIsNeverReused() {
    BufferPool pool = new BufferPool();
    Object first = pool.using(() -> Storage.allocate(DType.F64, 8), List::of);
    Object second = pool.using(() -> Storage.allocate(DType.F64, 8), List::of);
    assertThat(second).isNotSameAs(first);
  }

  @Test
  void arraysThePoolDidNotHandOutAreIgnored() {
    BufferPool pool = new BufferPool();
    double[] foreign = new double[8];
    pool.giveBack(foreign);
    Object first = pool.using(() -> Storage.allocate(DType.F64, 8), List::of);
    pool.giveBack(first);
    pool.giveBack(first); // a second recycle must not queue the array twice
    Object a = pool.using(() -> Storage.allocate(DType.F64, 8), List::of);
    Object b = pool.using(() -> Storage.allocate(DType.F64, 8), List::of);
    assertThat(a).isSameAs(first);
    assertThat(b).isNotSameAs(foreign).isNotSameAs(first);
  }

  private static double[] fill(double[] a) {
    java.util.Arrays.fill(a, 7);
    return a;
  }
}
