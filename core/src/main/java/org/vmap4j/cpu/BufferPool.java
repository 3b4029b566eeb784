package org.vmap4j.cpu;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import org.vmap4j.DType;

/**
 * Arrays a compiled program's intermediates used on one call, kept for its next call: fresh memory
 * is slow to touch (on the development VM, about 0.5 GB/s for new pages), and a compiled program
 * allocates the same sizes every call. While a pool is {@link #using active} on a thread, {@link
 * Storage#allocate} takes zero-filled arrays from it; at the end, every array is returned except
 * those the results hold (their storage belongs to the caller from then on).
 *
 * <p>A caller that knows a result is dead before the garbage collector does (a loop whose carry is
 * replaced every turn, a caller of {@code Func.jitReusing} donating its previous result) hands its
 * arrays back with {@link #giveBack}, so that the next call reuses them instead of touching fresh
 * memory: a loop then runs in two sets of carry arrays, whatever its trip count.
 */
public final class BufferPool {
  private static final ThreadLocal<BufferPool> ACTIVE = new ThreadLocal<>();

  private record Key(DType dtype, int length) {}

  private final Map<Key, ArrayDeque<Object>> free = new HashMap<>();
  private final List<Object> handedOut = new ArrayList<>();

  /**
   * Arrays this pool handed out that left as results: the only arrays {@link #giveBack} accepts (an
   * input, a program constant or a foreign array must never be recycled). Weak, so results the
   * caller drops are collected as usual.
   */
  private final Set<Object> results = Collections.newSetFromMap(new WeakHashMap<>());

  private long reused;
  private long fresh;

  /** How many allocations this pool has served from recycled arrays. */
  public long reusedCount() {
    return reused;
  }

  /** How many allocations this pool has served with new arrays. */
  public long freshCount() {
    return fresh;
  }

  /**
   * Takes back the array of an earlier result of this pool (the caller donates it: it must not read
   * that result again), to serve a later allocation of the same dtype and length. Returns false,
   * and takes nothing, for any other array (an input, a constant, another pool's result, one
   * already given back).
   */
  public boolean giveBack(Object array) {
    if (!results.remove(array)) {
      return false;
    }
    release(array);
    return true;
  }

  private void release(Object a) {
    free.computeIfAbsent(new Key(Storage.dtypeOf(a), Storage.length(a)), k -> new ArrayDeque<>())
        .add(a);
  }

  /**
   * Runs {@code work} with this pool serving allocations on this thread, then takes back every
   * array it handed out except those in {@code kept}.
   */
  public <T> T using(Supplier<T> work, java.util.function.Function<T, List<Object>> kept) {
    BufferPool previous = ACTIVE.get();
    ACTIVE.set(this);
    T result;
    try {
      result = work.get();
    } finally {
      ACTIVE.set(previous);
    }
    Set<Object> escaping = Collections.newSetFromMap(new IdentityHashMap<>());
    escaping.addAll(kept.apply(result));
    for (Object a : handedOut) {
      if (escaping.contains(a)) {
        results.add(a);
      } else {
        release(a);
      }
    }
    handedOut.clear();
    return result;
  }

  /** An array from the active pool, zero-filled; null when no pool is active. */
  static Object take(DType dtype, int length) {
    return take(dtype, length, true);
  }

  /**
   * An array from the active pool, zero-filled only when {@code zeroed} (a recycled array otherwise
   * keeps whatever its last user wrote); null when no pool is active.
   */
  static Object take(DType dtype, int length, boolean zeroed) {
    BufferPool pool = ACTIVE.get();
    if (pool == null) {
      return null;
    }
    ArrayDeque<Object> q = pool.free.get(new Key(dtype, length));
    Object a;
    if (q != null && !q.isEmpty()) {
      a = q.poll();
      if (zeroed) {
        Storage.fill(a, 0, length, 0);
      }
      pool.reused++;
    } else {
      a = Storage.newArray(dtype, length);
      pool.fresh++;
    }
    pool.handedOut.add(a);
    return a;
  }
}
