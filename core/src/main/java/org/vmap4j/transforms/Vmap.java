package org.vmap4j.transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.vmap4j.InDims;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.VmapOptions;
import org.vmap4j.interpreter.BatchRules;
import org.vmap4j.interpreter.Interpreters;
import org.vmap4j.interpreter.MainTrace;

/**
 * Runs a function under the batching interpreter: flattens the arguments, wraps the mapped leaves
 * as batch tracers, calls the function once for the whole batch, and moves each result's batch
 * dimension to where {@code outDims} asks. {@code Func.vmap} is the public face.
 */
public final class Vmap {
  private Vmap() {}

  /** Applies {@code fn} (which takes the argument array) mapped over the arguments. */
  public static Object call(Function<Object[], Object> fn, Object[] args, VmapOptions options) {
    List<Tensor> leaves = new ArrayList<>();
    List<Integer> dims = new ArrayList<>();
    List<String> leafNames = new ArrayList<>();
    List<Tree.Flat> flats = new ArrayList<>();
    InDims inDims = options.inDims();
    if (inDims != null && inDims.specs().size() != args.length) {
      throw new IllegalArgumentException(
          "vmap: InDims has "
              + inDims.specs().size()
              + " entries but the function takes "
              + args.length
              + " argument"
              + (args.length == 1 ? "" : "s"));
    }
    for (int a = 0; a < args.length; a++) {
      Tree.Flat flat = Tree.flatten(args[a]);
      flats.add(flat);
      Object spec = inDims == null ? Integer.valueOf(0) : inDims.specs().get(a);
      List<Integer> leafDims = DimSpecs.perLeaf(spec, flat.def(), "argument " + a, "vmap in_dims");
      List<String> paths = flat.def().leafPaths();
      for (int i = 0; i < flat.leaves().size(); i++) {
        Tensor leaf = flat.leaves().get(i);
        leaves.add(leaf);
        String name = "argument " + a + (paths.get(i).isEmpty() ? "" : " " + paths.get(i));
        leafNames.add(name);
        dims.add(normalizeInDim(leafDims.get(i), leaf, name));
      }
    }
    int size = axisSize(leaves, dims, leafNames, options);
    int chunk = options.chunkSize();
    try {
      if (chunk == 0 || chunk >= size) {
        return run(fn, flats, leaves, dims, size, 0, options);
      }
      return runInChunks(fn, flats, leaves, dims, size, chunk, options);
    } catch (RaisedByMappedFunction e) {
      throw inContext(e.getCause(), size, inDims, leaves, dims, leafNames);
    }
  }

  /** Carries an error of the mapped function itself out of {@link #run} (not vmap's own errors). */
  private static final class RaisedByMappedFunction extends RuntimeException {
    RaisedByMappedFunction(IllegalArgumentException cause) {
      super(cause);
    }

    @Override
    public synchronized IllegalArgumentException getCause() {
      return (IllegalArgumentException) super.getCause();
    }
  }

  /**
   * An error raised by the mapped function, said to have happened inside vmap: the shapes the
   * function saw are per-example ones, so the message also names the batch and the batched inputs.
   */
  private static IllegalArgumentException inContext(
      IllegalArgumentException e,
      int size,
      InDims inDims,
      List<Tensor> leaves,
      List<Integer> dims,
      List<String> leafNames) {
    StringBuilder batched = new StringBuilder();
    for (int i = 0; i < leaves.size(); i++) {
      batched.append(i == 0 ? "" : ", ").append(leafNames.get(i)).append(' ');
      batched.append(leaves.get(i).type());
      batched.append(dims.get(i) == BatchRules.NOT_MAPPED ? " (not mapped)" : "");
    }
    List<Object> specs = inDims == null ? List.of(0) : inDims.specs();
    String spec =
        specs.size() == 1
            ? String.valueOf(specs.get(0))
            : specs.toString().replace('[', '(').replace(']', ')');
    return new IllegalArgumentException(
        "inside vmap (batch "
            + size
            + ", in_dims "
            + spec
            + "): "
            + e.getMessage()
            + " [batched inputs: "
            + batched
            + "]",
        e);
  }

  private static int normalizeInDim(Integer dim, Tensor leaf, String name) {
    if (dim == null) {
      return BatchRules.NOT_MAPPED;
    }
    int n = leaf.ndim();
    int d = dim < 0 ? dim + n : dim;
    if (d < 0 || d >= n) {
      throw new IllegalArgumentException(
          "vmap: in_dim "
              + dim
              + " is out of range for "
              + name
              + " ("
              + leaf.type()
              + ", "
              + n
              + " dims)");
    }
    return d;
  }

  private static int axisSize(
      List<Tensor> leaves, List<Integer> dims, List<String> leafNames, VmapOptions options) {
    int size = -1;
    String first = null;
    for (int i = 0; i < leaves.size(); i++) {
      if (dims.get(i) == BatchRules.NOT_MAPPED) {
        continue;
      }
      int s = leaves.get(i).shape()[dims.get(i)];
      String here =
          leafNames.get(i)
              + " "
              + leaves.get(i).type()
              + " has size "
              + s
              + " at dim "
              + dims.get(i);
      if (size == -1) {
        size = s;
        first = here;
      } else if (s != size) {
        throw new IllegalArgumentException(
            "vmap: mapped inputs must have one size along their mapped dims, but "
                + first
                + " while "
                + here);
      }
    }
    if (size == -1) {
      if (options.axisSize() < 0) {
        throw new IllegalArgumentException(
            "vmap: no input is mapped (every in_dim is null), so the number of examples is"
                + " unknown; give it with VmapOptions.axisSize(n)");
      }
      return options.axisSize();
    }
    if (options.axisSize() >= 0 && options.axisSize() != size) {
      throw new IllegalArgumentException(
          "vmap: axisSize " + options.axisSize() + " contradicts the mapped inputs: " + first);
    }
    return size;
  }

  private static Object run(
      Function<Object[], Object> fn,
      List<Tree.Flat> flats,
      List<Tensor> leaves,
      List<Integer> dims,
      int size,
      long firstExample,
      VmapOptions options) {
    try (Interpreters.Level level =
        Interpreters.push(
            "vmap", main -> new BatchTrace(main, size, options.randomness(), firstExample))) {
      MainTrace main = level.main();
      main.noteInputs(leaves);
      BatchTrace trace = (BatchTrace) main.newTrace();
      Object[] args = new Object[flats.size()];
      int k = 0;
      for (int a = 0; a < args.length; a++) {
        List<Tensor> wrapped = new ArrayList<>();
        for (int i = 0; i < flats.get(a).leaves().size(); i++, k++) {
          int d = dims.get(k);
          wrapped.add(d == BatchRules.NOT_MAPPED ? leaves.get(k) : trace.mapped(leaves.get(k), d));
        }
        args[a] = flats.get(a).def().unflatten(wrapped);
      }
      Object result;
      try {
        result = fn.apply(args);
      } catch (IllegalArgumentException e) {
        throw new RaisedByMappedFunction(e);
      }
      Tree.Flat out = Tree.flatten(result);
      List<Integer> outDims = outDims(options, out);
      List<Tensor> moved = new ArrayList<>();
      for (int i = 0; i < out.leaves().size(); i++) {
        moved.add(place(out.leaves().get(i), main, outDims.get(i), size, i));
      }
      return out.def().unflatten(moved);
    }
  }

  private static List<Integer> outDims(VmapOptions options, Tree.Flat out) {
    Object spec = options.outDims() == null ? Integer.valueOf(0) : options.outDims().spec();
    return DimSpecs.perLeaf(spec, out.def(), "result", "vmap out_dims");
  }

  /** A result leaf with its batch dimension at {@code outDim} (or left unbatched for null). */
  private static Tensor place(Tensor leaf, MainTrace main, Integer outDim, int size, int index) {
    Tensor value = leaf;
    int batchDim = BatchRules.NOT_MAPPED;
    if (leaf instanceof BatchTracer t && t.trace().main() == main) {
      value = t.value();
      batchDim = t.batchDim();
    }
    if (outDim == null) {
      if (batchDim != BatchRules.NOT_MAPPED) {
        throw new IllegalArgumentException(
            "vmap: result leaf "
                + index
                + " "
                + leaf.type()
                + " depends on the mapped inputs,"
                + " but its out_dim is null; give it a dimension");
      }
      return value;
    }
    int rank = leaf.ndim() + 1;
    int d = outDim < 0 ? outDim + rank : outDim;
    if (d < 0 || d >= rank) {
      throw new IllegalArgumentException(
          "vmap: out_dim "
              + outDim
              + " is out of range for result leaf "
              + index
              + " "
              + leaf.type()
              + " with its mapped dimension ("
              + rank
              + " dims)");
    }
    if (batchDim == BatchRules.NOT_MAPPED) {
      return BatchRules.moveAxis(BatchRules.withBatch(value, size), 0, d);
    }
    return BatchRules.moveAxis(value, batchDim, d);
  }

  private static Object runInChunks(
      Function<Object[], Object> fn,
      List<Tree.Flat> flats,
      List<Tensor> leaves,
      List<Integer> dims,
      int size,
      int chunk,
      VmapOptions options) {
    List<List<Tensor>> pieces = new ArrayList<>();
    Tree.Flat firstOut = null;
    for (int start = 0; start < size; start += chunk) {
      int end = Math.min(size, start + chunk);
      List<Tensor> sliced = new ArrayList<>();
      for (int i = 0; i < leaves.size(); i++) {
        int d = dims.get(i);
        sliced.add(d == BatchRules.NOT_MAPPED ? leaves.get(i) : leaves.get(i).slice(d, start, end));
      }
      Tree.Flat out = Tree.flatten(run(fn, flats, sliced, dims, end - start, start, options));
      if (firstOut == null) {
        firstOut = out;
      }
      pieces.add(out.leaves());
    }
    List<Integer> outDims = outDims(options, firstOut);
    List<Tensor> joined = new ArrayList<>();
    for (int i = 0; i < firstOut.leaves().size(); i++) {
      Integer d = outDims.get(i);
      if (d == null) {
        joined.add(firstOut.leaves().get(i));
        continue;
      }
      Tensor[] parts = new Tensor[pieces.size()];
      for (int c = 0; c < parts.length; c++) {
        parts[c] = pieces.get(c).get(i);
      }
      int rank = parts[0].ndim();
      joined.add(Tensor.concat(d < 0 ? d + rank : d, parts));
    }
    return firstOut.def().unflatten(joined);
  }
}
