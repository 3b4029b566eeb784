package org.vmap4j;

import java.util.function.BiFunction;
import java.util.function.Function;
import org.vmap4j.transforms.Vmap;

/**
 * The function transforms. Intended style: {@code import static org.vmap4j.Func.*;}. Each transform
 * returns a function of the same Java type as its input, so transforms compose: {@code
 * vmap(vmap(f))}.
 */
public final class Func {
  private Func() {}

  /**
   * Maps {@code f} over dimension 0 of its argument (every leaf of its pytree): {@code f} is
   * written for one example and runs once for the whole batch, each primitive applying its batching
   * rule.
   */
  public static <A, R> Function<A, R> vmap(Function<A, R> f) {
    return vmap(f, VmapOptions.defaults());
  }

  public static <A, R> Function<A, R> vmap(Function<A, R> f, InDims inDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims));
  }

  public static <A, R> Function<A, R> vmap(Function<A, R> f, InDims inDims, OutDims outDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims).outDims(outDims));
  }

  @SuppressWarnings("unchecked")
  public static <A, R> Function<A, R> vmap(Function<A, R> f, VmapOptions options) {
    return a -> (R) Vmap.call(args -> f.apply((A) args[0]), new Object[] {a}, options);
  }

  /** Maps a two-argument {@code f} over dimension 0 of both arguments. */
  public static <A, B, R> BiFunction<A, B, R> vmap(BiFunction<A, B, R> f) {
    return vmap(f, VmapOptions.defaults());
  }

  public static <A, B, R> BiFunction<A, B, R> vmap(BiFunction<A, B, R> f, InDims inDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims));
  }

  public static <A, B, R> BiFunction<A, B, R> vmap(
      BiFunction<A, B, R> f, InDims inDims, OutDims outDims) {
    return vmap(f, VmapOptions.defaults().inDims(inDims).outDims(outDims));
  }

  @SuppressWarnings("unchecked")
  public static <A, B, R> BiFunction<A, B, R> vmap(BiFunction<A, B, R> f, VmapOptions options) {
    return (a, b) ->
        (R) Vmap.call(args -> f.apply((A) args[0], (B) args[1]), new Object[] {a, b}, options);
  }
}
