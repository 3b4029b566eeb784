package org.vmap4j.control;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmap4j.Func.*;

import org.junit.jupiter.api.Test;
import org.vmap4j.*;
import org.vmap4j.ir.Program;
import org.vmap4j.ir.ProgramSerializer;

class SmokeControlFlowTest {
  @Test
  void smoke() {
    Tensor x = Tensor.of(new double[] {1, 2, 3}, 3);
    Tensor r = cond(x.sum().gt(0), (Tensor a) -> a.mul(2), (Tensor a) -> a.neg(), x);
    System.out.println("cond " + r);
    Tensor w = whileLoop((Tensor a) -> a.sum().lt(100), (Tensor a) -> a.mul(2), x);
    System.out.println("while " + w);
    ScanResult<Tensor, Tensor> s =
        scan(
            (Tensor c, Tensor xt) -> new ScanStep<>(c.add(xt), c.mul(xt)),
            Tensor.zeros(DType.F64, 3),
            Tensor.ones(DType.F64, 4, 3));
    System.out.println("scan " + s);
    System.out.println(
        trace(
            (Tensor a) ->
                scan(
                        (Tensor c, Tensor xt) -> new ScanStep<>(c.add(xt).sin(), c.mul(xt)),
                        a,
                        Tensor.ones(DType.F64, 4, 3))
                    .ys(),
            x));
    Program p =
        trace((Tensor a) -> whileLoop((Tensor c) -> c.sum().lt(100), (Tensor c) -> c.mul(2), a), x);
    Program q = ProgramSerializer.fromBytes(ProgramSerializer.toBytes(p));
    System.out.println(q);
    System.out.println(
        "vmap cond unb "
            + vmap((Tensor a) ->
                    cond(x.sum().gt(0), (Tensor b) -> b.mul(2), (Tensor b) -> b.neg(), a))
                .apply(Tensor.ones(DType.F64, 2, 3)));
    System.out.println(
        "vmap cond b "
            + vmap((Tensor a) ->
                    cond(a.sum().gt(0), (Tensor b) -> b.mul(2), (Tensor b) -> b.neg(), a))
                .apply(Tensor.of(new double[] {1, 2, -3, -4}, 2, 2)));
    System.out.println(
        "vmap while b "
            + vmap((Tensor a) ->
                    whileLoop((Tensor c) -> c.sum().lt(100), (Tensor c) -> c.mul(2), a))
                .apply(Tensor.of(new double[] {1, 2, 30, 40}, 2, 2)));
    System.out.println(
        "vmap scan "
            + vmap((Tensor a) ->
                    scan(
                            (Tensor c, Tensor xt) -> new ScanStep<>(c.add(xt), c.mul(xt)),
                            a,
                            Tensor.ones(DType.F64, 4, 2))
                        .ys())
                .apply(Tensor.of(new double[] {1, 2, 30, 40}, 2, 2)));
    System.out.println(
        "jvp while "
            + jvp(
                (Tensor a) -> whileLoop((Tensor c) -> c.sum().lt(100), (Tensor c) -> c.mul(c), a),
                Tensor.of(new double[] {1.5, 2}, 2),
                Tensor.of(new double[] {1, 0}, 2)));
    System.out.println(
        "grad scan "
            + grad((Tensor a) ->
                    scan(
                            (Tensor c, Tensor xt) -> new ScanStep<>(c.mul(xt).sin(), c.mul(xt)),
                            a,
                            Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2))
                        .ys()
                        .sum())
                .apply(Tensor.of(new double[] {0.5, 0.7}, 2)));
    System.out.println(
        "grad cond "
            + grad((Tensor a) ->
                    cond(a.sum().gt(0), (Tensor b) -> b.mul(b), (Tensor b) -> b.neg(), a).sum())
                .apply(Tensor.of(new double[] {0.5, 0.7}, 2)));
    System.out.println(
        "jit scan "
            + jit((Tensor a) ->
                    scan(
                            (Tensor c, Tensor xt) -> new ScanStep<>(c.mul(xt).sin(), c.mul(xt)),
                            a,
                            Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2))
                        .ys())
                .apply(Tensor.of(new double[] {0.5, 0.7}, 2)));
  }
}
