package org.vmap4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.vmap4j.ir.Program;
import org.vmap4j.transforms.Staging;

/**
 * The per-primitive cases of {@link VmapPropertyTest} (together they cover every primitive) as
 * traced programs, for other modules' tests (published in core's test-jar): each case's function,
 * its vmap over a batch of 3, and the gradient of its sum where the case is differentiable.
 */
public final class PropertyPrograms {
  private PropertyPrograms() {}

  public record Case(String name, Program program) {
    @Override
    public String toString() {
      return name;
    }
  }

  public static List<Case> all(DType dtype) {
    List<Case> out = new ArrayList<>();
    for (VmapPropertyTest.Case c : VmapPropertyTest.CASES) {
      Tensor[] args = c.args().apply(new Random(42), dtype);
      out.add(new Case(c.name(), trace(c, args)));
      Tensor[] batched = new Tensor[args.length];
      for (int i = 0; i < args.length; i++) {
        Tensor[] three = {args[i], args[i], args[i]};
        batched[i] = Tensor.stack(0, three);
      }
      try {
        out.add(
            new Case(
                c.name() + " vmap",
                Func.trace(
                    Func.vmap((List<Tensor> l) -> c.f().apply(l.toArray(new Tensor[0]))),
                    List.of(batched))));
      } catch (RuntimeException e) {
        // a case that vmap does not accept is covered by its own test's expectations
      }
      if (dtype.isFloating() && args.length > 0 && args[0].dtype().isFloating()) {
        try {
          out.add(
              new Case(
                  c.name() + " grad",
                  Func.trace(
                      Func.grad((List<Tensor> l) -> c.f().apply(l.toArray(new Tensor[0])).sum()),
                      List.of(args))));
        } catch (RuntimeException e) {
          // not differentiable (integer or boolean results)
        }
      }
    }
    return out;
  }

  private static Program trace(VmapPropertyTest.Case c, Tensor[] args) {
    return Staging.trace(
            a -> c.f().apply(Arrays.copyOf(a, a.length, Tensor[].class)), args.clone(), "trace")
        .program();
  }
}
