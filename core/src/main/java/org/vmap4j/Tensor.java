package org.vmap4j;

import static org.vmap4j.interpreter.Interpreters.bind1;

import java.util.Arrays;
import org.vmap4j.cpu.CpuTensor;
import org.vmap4j.cpu.Storage;
import org.vmap4j.internal.SubclassToken;
import org.vmap4j.interpreter.Params;
import org.vmap4j.interpreter.Shapes;
import org.vmap4j.prim.Argmax;
import org.vmap4j.prim.Binary;
import org.vmap4j.prim.BroadcastInDim;
import org.vmap4j.prim.Compare;
import org.vmap4j.prim.Concatenate;
import org.vmap4j.prim.Convert;
import org.vmap4j.prim.Gather;
import org.vmap4j.prim.Iota;
import org.vmap4j.prim.RandomUniform;
import org.vmap4j.prim.Reduce;
import org.vmap4j.prim.Reshape;
import org.vmap4j.prim.Select;
import org.vmap4j.prim.Slice;
import org.vmap4j.prim.Transpose;
import org.vmap4j.prim.Unary;

/**
 * An n-dimensional array: the one type users see. A tensor is either concrete (its values live in a
 * Java array) or traced (it stands for a value inside a transform such as {@code vmap}); every
 * operation below is a primitive or a composition of primitives and works the same on both. Tensors
 * are immutable.
 *
 * <p>Binary operations follow NumPy broadcasting and the promotion rules of {@link DType}.
 * Dimension arguments may be negative, counting from the end.
 */
public abstract class Tensor {
  /**
   * Only core's tensor kinds (CpuTensor, Tracer) can call this: the token's package is not
   * exported, so on the module path a subclass outside core does not compile (docs/design.md,
   * "Module boundaries").
   */
  protected Tensor(SubclassToken token) {
    SubclassToken.check(token, getClass(), Tensor.class);
  }

  // ---------------------------------------------------------------- factories

  /** An F64 tensor holding {@code data} in row-major order (copied). */
  public static Tensor of(double[] data, int... shape) {
    return CpuTensor.wrap(DType.F64, data.clone(), shapeOrVector(data.length, shape));
  }

  /** An F32 tensor holding {@code data} in row-major order (copied). */
  public static Tensor of(float[] data, int... shape) {
    return CpuTensor.wrap(DType.F32, data.clone(), shapeOrVector(data.length, shape));
  }

  /** An I32 tensor holding {@code data} in row-major order (copied). */
  public static Tensor of(int[] data, int... shape) {
    return CpuTensor.wrap(DType.I32, data.clone(), shapeOrVector(data.length, shape));
  }

  /** An I64 tensor holding {@code data} in row-major order (copied). */
  public static Tensor of(long[] data, int... shape) {
    return CpuTensor.wrap(DType.I64, data.clone(), shapeOrVector(data.length, shape));
  }

  /**
   * A tensor over {@code data} without copying it: {@code double[]} (F64), {@code float[]} (F32),
   * {@code int[]} (I32), {@code long[]} (I64) or {@code boolean[]} (BOOL), in row-major order. For
   * code that has just filled the array (a reader, a converter); the caller must not modify the
   * array afterwards, since tensors are immutable.
   */
  public static Tensor wrap(Object data, int... shape) {
    DType dtype = Storage.dtypeOf(data);
    return CpuTensor.wrap(dtype, data, shapeOrVector(Storage.length(data), shape));
  }

  /** A BOOL tensor holding {@code data} in row-major order (copied). */
  public static Tensor of(boolean[] data, int... shape) {
    return CpuTensor.wrap(DType.BOOL, data.clone(), shapeOrVector(data.length, shape));
  }

  /** With no shape given, data becomes a vector (use {@link #scalar} for a 0-d tensor). */
  private static int[] shapeOrVector(int length, int[] shape) {
    return shape.length == 0 ? new int[] {length} : shape;
  }

  /** A 0-d F64 tensor. */
  public static Tensor scalar(double value) {
    return full(DType.F64, value);
  }

  /** A 0-d tensor of the given dtype. */
  public static Tensor scalar(DType dtype, double value) {
    return full(dtype, value);
  }

  public static Tensor zeros(DType dtype, int... shape) {
    return CpuTensor.allocate(new TensorType(dtype, shape));
  }

  public static Tensor ones(DType dtype, int... shape) {
    return full(dtype, 1, shape);
  }

  /** A tensor of {@code shape} with every element {@code value} (converted to the dtype). */
  public static Tensor full(DType dtype, double value, int... shape) {
    CpuTensor t = CpuTensor.allocate(new TensorType(dtype, shape));
    Storage.fill(t.data(), 0, t.size(), value);
    return t;
  }

  /** The F64 identity matrix of size n. */
  public static Tensor eye(int n) {
    return eye(DType.F64, n);
  }

  public static Tensor eye(DType dtype, int n) {
    Tensor rows = iota(DType.I32, new int[] {n, n}, 0);
    Tensor cols = iota(DType.I32, new int[] {n, n}, 1);
    return rows.eq(cols).astype(dtype);
  }

  /** {@code 0, 1, ..., n-1} as I64, like {@code torch.arange(n)}. */
  public static Tensor arange(int n) {
    return iota(DType.I64, new int[] {n}, 0);
  }

  /** {@code start, start+step, ...} below {@code end} (above, for a negative step), as F64. */
  public static Tensor arange(double start, double end, double step) {
    if (step == 0 || Double.isNaN(step)) {
      throw new IllegalArgumentException("arange: step must be non-zero, got " + step);
    }
    int n = (int) Math.max(0, Math.ceil((end - start) / step));
    return iota(DType.F64, new int[] {n}, 0).mul(step).add(start);
  }

  /** Each element's index along {@code dimension}. */
  public static Tensor iota(DType dtype, int[] shape, int dimension) {
    return bind1(Iota.IOTA, Iota.params(dtype, shape, dimension));
  }

  /** Uniform in {@code [0, 1)}; the same seed gives the same tensor. dtype is F32 or F64. */
  public static Tensor randomUniform(long seed, DType dtype, int... shape) {
    return bind1(RandomUniform.RANDOM_UNIFORM, RandomUniform.params(seed, dtype, shape));
  }

  /** Standard normal (Box-Muller on two uniform streams); the same seed gives the same tensor. */
  public static Tensor randomNormal(long seed, DType dtype, int... shape) {
    Tensor u1 = randomUniform(seed, dtype, shape);
    Tensor u2 = randomUniform(~seed * 0x9e3779b97f4a7c15L, dtype, shape);
    // 1 - u1 lies in (0, 1], so the logarithm is finite.
    return u1.neg().add(1).log().mul(-2).sqrt().mul(u2.mul(2 * Math.PI).cos());
  }

  // ---------------------------------------------------------------- reading

  /** Dtype and shape, as the shape rules and traced programs see them. */
  public abstract TensorType type();

  /**
   * This tensor as a concrete CPU tensor; {@code what} names the operation that needs values, for
   * the error a traced tensor raises.
   */
  protected abstract CpuTensor concrete(String what);

  public int[] shape() {
    return type().shape();
  }

  public int ndim() {
    return type().ndim();
  }

  public DType dtype() {
    return type().dtype();
  }

  /** Number of elements. */
  public int size() {
    return type().size();
  }

  /** The values in row-major order, converted to double; a fresh array. */
  public double[] toDoubleArray() {
    return (double[]) freshData(DType.F64, "toDoubleArray()");
  }

  /** The values in row-major order, converted to float; a fresh array. */
  public float[] toFloatArray() {
    return (float[]) freshData(DType.F32, "toFloatArray()");
  }

  /** The values in row-major order, converted to int (floating values truncate); a fresh array. */
  public int[] toIntArray() {
    return (int[]) freshData(DType.I32, "toIntArray()");
  }

  /** The values in row-major order, converted to long (floating values truncate); a fresh array. */
  public long[] toLongArray() {
    return (long[]) freshData(DType.I64, "toLongArray()");
  }

  /** The values in row-major order as BOOL (non-zero is true); a fresh array. */
  public boolean[] toBooleanArray() {
    return (boolean[]) freshData(DType.BOOL, "toBooleanArray()");
  }

  private Object freshData(DType as, String what) {
    CpuTensor c = concrete(what);
    CpuTensor converted = c.dtype() == as ? c : (CpuTensor) c.astype(as);
    Object data = converted.contiguousData();
    // Never hand out the array behind a tensor: tensors are immutable and views share arrays.
    return data == c.data() ? Storage.copy(data) : data;
  }

  /** The value of a tensor with exactly one element. */
  public double item() {
    CpuTensor c = concrete("item()");
    if (c.size() != 1) {
      throw new IllegalStateException(
          "item() needs a tensor with one element, this one is " + type());
    }
    return c.getDouble(0);
  }

  /**
   * Whether the two tensors have the same shape and {@code |a - b| <= atol + rtol * |b|} holds for
   * every element (NaN equals NaN), as NumPy's {@code allclose} with {@code equal_nan}.
   */
  public boolean allClose(Tensor other, double rtol, double atol) {
    if (!Arrays.equals(shape(), other.shape())) {
      return false;
    }
    double[] a = toDoubleArray();
    double[] b = other.toDoubleArray();
    for (int i = 0; i < a.length; i++) {
      boolean close =
          (Double.isNaN(a[i]) && Double.isNaN(b[i]))
              || a[i] == b[i]
              || Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]);
      if (!close) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return TensorFormat.format(this);
  }

  // ---------------------------------------------------------------- element-wise

  public Tensor add(Tensor other) {
    return binary(Binary.ADD, other);
  }

  public Tensor add(double value) {
    return binary(Binary.ADD, weakScalar(value));
  }

  public Tensor sub(Tensor other) {
    return binary(Binary.SUB, other);
  }

  public Tensor sub(double value) {
    return binary(Binary.SUB, weakScalar(value));
  }

  public Tensor mul(Tensor other) {
    return binary(Binary.MUL, other);
  }

  public Tensor mul(double value) {
    return binary(Binary.MUL, weakScalar(value));
  }

  /** True division. Integer operands are an error: convert them with {@link #astype} first. */
  public Tensor div(Tensor other) {
    return binary(Binary.DIV, other);
  }

  public Tensor div(double value) {
    return binary(Binary.DIV, weakScalar(value));
  }

  public Tensor pow(Tensor exponent) {
    return binary(Binary.POW, exponent);
  }

  public Tensor pow(double exponent) {
    return binary(Binary.POW, weakScalar(exponent));
  }

  /** Element-wise maximum (NaN if either is NaN). */
  public Tensor maximum(Tensor other) {
    return binary(Binary.MAX, other);
  }

  public Tensor maximum(double value) {
    return binary(Binary.MAX, weakScalar(value));
  }

  /** Element-wise minimum (NaN if either is NaN). */
  public Tensor minimum(Tensor other) {
    return binary(Binary.MIN, other);
  }

  public Tensor minimum(double value) {
    return binary(Binary.MIN, weakScalar(value));
  }

  public Tensor neg() {
    return unary(Unary.NEG);
  }

  public Tensor abs() {
    return unary(Unary.ABS);
  }

  /** -1, 0 or 1 by sign (NaN stays NaN). */
  public Tensor sign() {
    return unary(Unary.SIGN);
  }

  public Tensor exp() {
    return unary(Unary.EXP);
  }

  public Tensor log() {
    return unary(Unary.LOG);
  }

  /** {@code log(1 + x)}, accurate for small x. */
  public Tensor log1p() {
    return unary(Unary.LOG1P);
  }

  /** {@code exp(x) - 1}, accurate for small x. */
  public Tensor expm1() {
    return unary(Unary.EXPM1);
  }

  public Tensor sin() {
    return unary(Unary.SIN);
  }

  public Tensor cos() {
    return unary(Unary.COS);
  }

  public Tensor tanh() {
    return unary(Unary.TANH);
  }

  /** The logistic function {@code 1 / (1 + exp(-x))}. */
  public Tensor sigmoid() {
    return unary(Unary.LOGISTIC);
  }

  public Tensor sqrt() {
    return unary(Unary.SQRT);
  }

  /** {@code 1 / sqrt(x)}. */
  public Tensor rsqrt() {
    return unary(Unary.RSQRT);
  }

  /** The error function {@code 2/sqrt(pi) * integral of exp(-t²) from 0 to x}. */
  public Tensor erf() {
    return unary(Unary.ERF);
  }

  /** {@code max(x, 0)}; its derivative at 0 is taken as 0, as in PyTorch. */
  public Tensor relu() {
    return where(gt(0), this, 0);
  }

  public Tensor square() {
    return mul(this);
  }

  /** This tensor with another element type (see {@link Convert} for the conversions). */
  public Tensor astype(DType dtype) {
    return dtype == dtype() ? this : bind1(Convert.CONVERT, Convert.params(dtype), this);
  }

  // ---------------------------------------------------------------- comparisons (BOOL)

  public Tensor lt(Tensor other) {
    return compare(Compare.LT, other);
  }

  public Tensor lt(double value) {
    return compare(Compare.LT, weakScalar(value));
  }

  public Tensor le(Tensor other) {
    return compare(Compare.LE, other);
  }

  public Tensor le(double value) {
    return compare(Compare.LE, weakScalar(value));
  }

  public Tensor gt(Tensor other) {
    return compare(Compare.GT, other);
  }

  public Tensor gt(double value) {
    return compare(Compare.GT, weakScalar(value));
  }

  public Tensor ge(Tensor other) {
    return compare(Compare.GE, other);
  }

  public Tensor ge(double value) {
    return compare(Compare.GE, weakScalar(value));
  }

  public Tensor eq(Tensor other) {
    return compare(Compare.EQ, other);
  }

  public Tensor eq(double value) {
    return compare(Compare.EQ, weakScalar(value));
  }

  public Tensor ne(Tensor other) {
    return compare(Compare.NE, other);
  }

  public Tensor ne(double value) {
    return compare(Compare.NE, weakScalar(value));
  }

  /** {@code a} where the BOOL {@code cond} is true, else {@code b}; all three broadcast. */
  public static Tensor where(Tensor cond, Tensor a, Tensor b) {
    if (cond.dtype() != DType.BOOL) {
      throw new IllegalArgumentException("where: the condition must be bool, got " + cond.type());
    }
    DType t = DType.promote(a.dtype(), b.dtype());
    int[] shape = Shapes.broadcast(cond.shape(), a.shape(), "where");
    shape = Shapes.broadcast(shape, b.shape(), "where");
    return bind1(
        Select.SELECT,
        Params.NONE,
        cond.broadcastTo(shape),
        a.astype(t).broadcastTo(shape),
        b.astype(t).broadcastTo(shape));
  }

  public static Tensor where(Tensor cond, Tensor a, double b) {
    return where(cond, a, a.weakScalar(b));
  }

  public static Tensor where(Tensor cond, double a, Tensor b) {
    return where(cond, b.weakScalar(a), b);
  }

  // ---------------------------------------------------------------- reductions

  /** Sum of all elements; BOOL and integer tensors sum to I64. */
  public Tensor sum() {
    return reduce(Reduce.REDUCE_SUM, Shapes.range(0, ndim()), false);
  }

  public Tensor sum(int dim) {
    return sum(dim, false);
  }

  /** Sum along {@code dim}; with {@code keepDim} the dimension stays, with size 1. */
  public Tensor sum(int dim, boolean keepDim) {
    return reduce(Reduce.REDUCE_SUM, new int[] {Shapes.axis(dim, ndim(), "sum")}, keepDim);
  }

  /** Mean of all elements (floating tensors only). */
  public Tensor mean() {
    requireFloating("mean");
    return sum().div(size());
  }

  public Tensor mean(int dim) {
    return mean(dim, false);
  }

  public Tensor mean(int dim, boolean keepDim) {
    requireFloating("mean");
    int d = Shapes.axis(dim, ndim(), "mean");
    return sum(d, keepDim).div(shape()[d]);
  }

  /** Maximum of all elements. */
  public Tensor max() {
    return reduce(Reduce.REDUCE_MAX, Shapes.range(0, ndim()), false);
  }

  public Tensor max(int dim) {
    return max(dim, false);
  }

  public Tensor max(int dim, boolean keepDim) {
    return reduce(Reduce.REDUCE_MAX, new int[] {Shapes.axis(dim, ndim(), "max")}, keepDim);
  }

  /** Minimum of all elements. */
  public Tensor min() {
    return reduce(Reduce.REDUCE_MIN, Shapes.range(0, ndim()), false);
  }

  public Tensor min(int dim) {
    return min(dim, false);
  }

  public Tensor min(int dim, boolean keepDim) {
    return reduce(Reduce.REDUCE_MIN, new int[] {Shapes.axis(dim, ndim(), "min")}, keepDim);
  }

  /** Index (I64) of the first maximum along {@code dim}. */
  public Tensor argmax(int dim) {
    return bind1(Argmax.ARGMAX, Argmax.params(Shapes.axis(dim, ndim(), "argmax")), this);
  }

  /** {@code log(sum(exp(x), dim))}, computed without overflow. */
  public Tensor logSumExp(int dim) {
    return logSumExp(dim, false);
  }

  public Tensor logSumExp(int dim, boolean keepDim) {
    requireFloating("logSumExp");
    int d = Shapes.axis(dim, ndim(), "logSumExp");
    Tensor m = max(d, true);
    // A row of -inf (or +inf) would give inf - inf = NaN below; shift such rows by 0 instead.
    Tensor shift = where(m.abs().lt(Double.POSITIVE_INFINITY), m, 0);
    Tensor out = sub(shift).exp().sum(d, true).log().add(shift);
    return keepDim ? out : out.squeeze(d);
  }

  /** {@code exp(x) / sum(exp(x), dim)}, computed without overflow. */
  public Tensor softmax(int dim) {
    requireFloating("softmax");
    int d = Shapes.axis(dim, ndim(), "softmax");
    Tensor e = sub(max(d, true)).exp();
    return e.div(e.sum(d, true));
  }

  /** {@code x - logSumExp(x, dim)}. */
  public Tensor logSoftmax(int dim) {
    requireFloating("logSoftmax");
    return sub(logSumExp(dim, true));
  }

  // ---------------------------------------------------------------- products

  /** The dot product of two vectors. */
  public Tensor dot(Tensor other) {
    if (ndim() != 1 || other.ndim() != 1) {
      throw new IllegalArgumentException(
          "dot needs two vectors, got " + type() + " and " + other.type() + "; use matmul");
    }
    return LinearAlgebra.matmul(this, other);
  }

  /**
   * Matrix product with NumPy's {@code matmul} semantics: vectors are promoted to matrices and the
   * added dimension removed again; leading (batch) dimensions broadcast.
   */
  public Tensor matmul(Tensor other) {
    return LinearAlgebra.matmul(this, other);
  }

  // ---------------------------------------------------------------- shape

  /** The transpose of a matrix. */
  public Tensor transpose() {
    if (ndim() != 2) {
      throw new IllegalArgumentException(
          "transpose() is for matrices, this is " + type() + "; use permute(...)");
    }
    return permute(1, 0);
  }

  /** Reorders dimensions: result dimension i is this tensor's dimension {@code dims[i]}. */
  public Tensor permute(int... dims) {
    int[] perm = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      perm[i] = Shapes.axis(dims[i], ndim(), "permute");
    }
    if (Arrays.equals(perm, Shapes.range(0, ndim()))) {
      return this;
    }
    return bind1(Transpose.TRANSPOSE, Transpose.params(perm), this);
  }

  /** Row-major reshape; one dimension may be -1 and is then inferred. */
  public Tensor reshape(int... shape) {
    int[] s = shape.clone();
    int unknown = -1;
    int known = 1;
    for (int i = 0; i < s.length; i++) {
      if (s[i] == -1) {
        if (unknown >= 0) {
          throw new IllegalArgumentException("reshape: more than one -1 in " + Shapes.str(shape));
        }
        unknown = i;
      } else {
        known *= s[i];
      }
    }
    if (unknown >= 0) {
      if (known == 0 || size() % known != 0) {
        throw new IllegalArgumentException(
            "reshape: cannot reshape " + type() + " to " + Shapes.str(shape));
      }
      s[unknown] = size() / known;
    }
    if (Arrays.equals(s, shape())) {
      return this;
    }
    return bind1(Reshape.RESHAPE, Reshape.params(s), this);
  }

  /** Inserts a dimension of size 1 at {@code dim} (which may equal ndim). */
  public Tensor unsqueeze(int dim) {
    int d = Shapes.axis(dim, ndim() + 1, "unsqueeze");
    int[] s = shape();
    int[] out = new int[s.length + 1];
    System.arraycopy(s, 0, out, 0, d);
    out[d] = 1;
    System.arraycopy(s, d, out, d + 1, s.length - d);
    return reshape(out);
  }

  /** Removes every dimension of size 1. */
  public Tensor squeeze() {
    return reshape(Arrays.stream(shape()).filter(x -> x != 1).toArray());
  }

  /** Removes dimension {@code dim}, which must have size 1. */
  public Tensor squeeze(int dim) {
    int d = Shapes.axis(dim, ndim(), "squeeze");
    if (shape()[d] != 1) {
      throw new IllegalArgumentException(
          "squeeze: dimension " + dim + " of " + type() + " has size " + shape()[d] + ", not 1");
    }
    int[] s = shape();
    int[] out = new int[s.length - 1];
    System.arraycopy(s, 0, out, 0, d);
    System.arraycopy(s, d + 1, out, d, s.length - d - 1);
    return reshape(out);
  }

  /** Broadcasts to {@code shape} by NumPy rules (a view: nothing is copied). */
  public Tensor broadcastTo(int... shape) {
    int[] s = shape();
    if (Arrays.equals(s, shape)) {
      return this;
    }
    int[] result = Shapes.broadcast(s, shape, "broadcastTo");
    if (!Arrays.equals(result, shape)) {
      throw new IllegalArgumentException(
          "broadcastTo: cannot broadcast " + type() + " to " + Shapes.str(shape));
    }
    int[] dims = Shapes.range(shape.length - s.length, shape.length);
    return bind1(BroadcastInDim.BROADCAST_IN_DIM, BroadcastInDim.params(shape, dims), this);
  }

  /** As {@link #broadcastTo}, where -1 keeps the existing size (PyTorch's {@code expand}). */
  public Tensor expand(int... shape) {
    int[] s = shape.clone();
    int[] mine = shape();
    for (int i = 0; i < s.length; i++) {
      int j = i - (s.length - mine.length);
      if (s[i] == -1) {
        if (j < 0) {
          throw new IllegalArgumentException("expand: -1 is not allowed for a new dimension");
        }
        s[i] = mine[j];
      }
    }
    return broadcastTo(s);
  }

  /**
   * Elements {@code start, start+step, ...} below {@code end} along {@code dim}. Negative positions
   * count from the end and out-of-range positions are clamped, as Python slicing does.
   */
  public Tensor slice(int dim, int start, int end, int step) {
    int d = Shapes.axis(dim, ndim(), "slice");
    if (step < 1) {
      throw new IllegalArgumentException("slice: step must be positive, got " + step);
    }
    int n = shape()[d];
    int from = clamp(start < 0 ? start + n : start, n);
    int to = Math.max(from, clamp(end < 0 ? end + n : end, n));
    int[] starts = new int[ndim()];
    int[] limits = shape();
    int[] steps = new int[ndim()];
    Arrays.fill(steps, 1);
    starts[d] = from;
    limits[d] = to;
    steps[d] = step;
    return bind1(Slice.SLICE, Slice.params(starts, limits, steps), this);
  }

  public Tensor slice(int dim, int start, int end) {
    return slice(dim, start, end, 1);
  }

  private static int clamp(int i, int n) {
    return Math.max(0, Math.min(n, i));
  }

  /** The sub-tensor at position {@code index} of {@code dim}; the dimension is removed. */
  public Tensor index(int dim, int index) {
    int d = Shapes.axis(dim, ndim(), "index");
    int n = shape()[d];
    int i = index < 0 ? index + n : index;
    if (i < 0 || i >= n) {
      throw new IndexOutOfBoundsException(
          "index " + index + " is out of range for dimension " + dim + " of " + type());
    }
    return slice(d, i, i + 1).squeeze(d);
  }

  /**
   * The slices at the positions of an integer tensor along {@code dim}: for {@code x} of shape
   * {@code [..., n, ...]} and indices of shape {@code I}, the result has shape {@code [..., I,
   * ...]} (NumPy's {@code take}).
   */
  public Tensor index(int dim, Tensor indices) {
    int d = Shapes.axis(dim, ndim(), "index");
    return bind1(Gather.GATHER, Gather.params(d, 0), this, indices);
  }

  /**
   * PyTorch's {@code gather}: {@code out[..., i, ...] = x[..., index[..., i, ...], ...]} along
   * {@code dim}, where {@code index} has this tensor's rank and its sizes in every other dimension.
   */
  public Tensor gather(int dim, Tensor index) {
    int d = Shapes.axis(dim, ndim(), "gather");
    int[] s = shape();
    int[] is = index.shape();
    boolean ok = is.length == s.length;
    for (int i = 0; ok && i < s.length; i++) {
      ok = i == d || is[i] == s[i];
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "gather along "
              + dim
              + ": index "
              + index.type()
              + " must match "
              + type()
              + " in every other dimension");
    }
    int last = ndim() - 1;
    int[] toLast = Shapes.concat(Shapes.complement(ndim(), new int[] {d}), new int[] {d});
    Tensor x = permute(toLast);
    Tensor idx = index.permute(toLast);
    Tensor out = bind1(Gather.GATHER, Gather.params(last, last), x, idx);
    return out.permute(Shapes.inversePermutation(toLast));
  }

  /** Joins tensors along {@code dim}; dtypes promote. */
  public static Tensor concat(int dim, Tensor... tensors) {
    if (tensors.length == 0) {
      throw new IllegalArgumentException("concat needs at least one tensor");
    }
    DType t = tensors[0].dtype();
    for (Tensor x : tensors) {
      t = DType.promote(t, x.dtype());
    }
    int d = Shapes.axis(dim, tensors[0].ndim(), "concat");
    Tensor[] in = new Tensor[tensors.length];
    for (int i = 0; i < in.length; i++) {
      in[i] = tensors[i].astype(t);
    }
    return tensors.length == 1 ? in[0] : bind1(Concatenate.CONCATENATE, Concatenate.params(d), in);
  }

  /** Stacks tensors of one shape along a new dimension {@code dim}. */
  public static Tensor stack(int dim, Tensor... tensors) {
    if (tensors.length == 0) {
      throw new IllegalArgumentException("stack needs at least one tensor");
    }
    int d = Shapes.axis(dim, tensors[0].ndim() + 1, "stack");
    Tensor[] in = new Tensor[tensors.length];
    for (int i = 0; i < in.length; i++) {
      if (!Arrays.equals(tensors[i].shape(), tensors[0].shape())) {
        throw new IllegalArgumentException(
            "stack: tensor "
                + i
                + " "
                + tensors[i].type()
                + " differs in shape from tensor 0 "
                + tensors[0].type());
      }
      in[i] = tensors[i].unsqueeze(d);
    }
    return concat(d, in);
  }

  // ---------------------------------------------------------------- helpers

  /** A 0-d constant that takes this tensor's dtype if floating, else F64 (see {@link DType}). */
  Tensor weakScalar(double value) {
    return full(dtype().isFloating() ? dtype() : DType.F64, value);
  }

  private Tensor unary(Unary op) {
    return bind1(op, Params.NONE, this);
  }

  private Tensor binary(Binary op, Tensor other) {
    DType t = DType.promote(dtype(), other.dtype());
    int[] shape = Shapes.broadcast(shape(), other.shape(), op.displayName());
    return bind1(op, Params.NONE, astype(t).broadcastTo(shape), other.astype(t).broadcastTo(shape));
  }

  private Tensor compare(Compare op, Tensor other) {
    DType t = DType.promote(dtype(), other.dtype());
    int[] shape = Shapes.broadcast(shape(), other.shape(), op.displayName());
    return bind1(op, Params.NONE, astype(t).broadcastTo(shape), other.astype(t).broadcastTo(shape));
  }

  private Tensor reduce(Reduce op, int[] axes, boolean keepDim) {
    Tensor x = this;
    if (op == Reduce.REDUCE_SUM && !dtype().isFloating()) {
      x = astype(DType.I64);
    }
    Tensor out = bind1(op, Reduce.params(axes), x);
    if (!keepDim) {
      return out;
    }
    int[] kept = shape();
    for (int a : axes) {
      kept[a] = 1;
    }
    return out.reshape(kept);
  }

  private void requireFloating(String op) {
    if (!dtype().isFloating()) {
      throw new IllegalArgumentException(
          op
              + " needs a floating tensor, got "
              + type()
              + "; "
              + org.vmap4j.interpreter.Interpreters.floatingConversionHint());
    }
  }

  // ---------------------------------------------------------------- reductions with indices

  /**
   * PyTorch's {@code torch.max(x, dim)}: the maxima along {@code dim} and the (I64) index of each
   * one's first occurrence; a NaN counts as larger than any number, so a slice with a NaN gives NaN
   * and the NaN's position. The values are taken at the indices, so their derivative goes entirely
   * to the returned position; {@link #max(int)} instead splits it evenly between ties.
   */
  public ValuesAndIndices maxWithIndices(int dim) {
    return maxWithIndices(dim, false);
  }

  public ValuesAndIndices maxWithIndices(int dim, boolean keepDim) {
    int d = Shapes.axis(dim, ndim(), "maxWithIndices");
    return valuesAt(argmax(d), d, keepDim);
  }

  /** As {@link #maxWithIndices(int)} for the minima (a NaN is still the one chosen). */
  public ValuesAndIndices minWithIndices(int dim) {
    return minWithIndices(dim, false);
  }

  public ValuesAndIndices minWithIndices(int dim, boolean keepDim) {
    int d = Shapes.axis(dim, ndim(), "minWithIndices");
    // The first maximum of a decreasing function of x is x's first minimum: -x for floats (NaN
    // stays NaN and so stays chosen), ~x = -x - 1 for integers (-x would overflow at MIN_VALUE).
    Tensor reversed = dtype().isFloating() ? neg() : neg().sub(Tensor.scalar(dtype(), 1));
    return valuesAt(reversed.argmax(d), d, keepDim);
  }

  private ValuesAndIndices valuesAt(Tensor indices, int dim, boolean keepDim) {
    Tensor kept = indices.unsqueeze(dim);
    Tensor values = gather(dim, kept);
    return keepDim
        ? new ValuesAndIndices(values, kept)
        : new ValuesAndIndices(values.squeeze(dim), indices);
  }
}
