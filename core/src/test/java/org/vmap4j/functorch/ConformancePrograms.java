package org.vmap4j.functorch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.vmap4j.DType;
import org.vmap4j.Tensor;
import org.vmap4j.Tree;
import org.vmap4j.ir.Program;
import org.vmap4j.transforms.Staging;

/**
 * The conformance fixtures' transformed functions as traced programs, for other modules' tests
 * (published in core's test-jar; the GPU module compiles every kernel they produce to PTX).
 */
public final class ConformancePrograms {
  private ConformancePrograms() {}

  /** One fixture: its name, its program and the program's input leaves (the fixture's inputs). */
  public record Case(String name, Program program, List<Tensor> inputs) {
    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * Every fixture of cases.json, traced as {@link FunctorchConformanceTest} traces it, with its
   * inputs converted to {@code dtype} (the fixtures are f64).
   */
  public static List<Case> all(DType dtype) {
    List<Case> out = new ArrayList<>();
    FunctorchConformanceTest.caseNames().forEach(name -> out.add(traced(name, dtype)));
    return out;
  }

  private static Case traced(String name, DType dtype) {
    JsonNode c = FunctorchConformanceTest.caseNamed(name);
    SpecInterpreter.Fn leaf = Catalogue.FUNCTIONS.get(c.get("function").asText())::apply;
    SpecInterpreter.Fn f = SpecInterpreter.build(c.get("spec"), leaf);
    List<Object> args = new ArrayList<>();
    for (JsonNode i : c.get("inputs")) {
      Tree.Flat flat = Tree.flatten(FunctorchConformanceTest.value(i));
      List<Tensor> converted = new ArrayList<>();
      flat.leaves().forEach(t -> converted.add(t.astype(dtype)));
      args.add(flat.def().unflatten(converted));
    }
    Staging.Traced traced = Staging.trace(a -> f.apply(List.of(a)), args.toArray(), "trace");
    List<Tensor> leaves = new ArrayList<>();
    args.forEach(a -> leaves.addAll(Tree.leaves(a)));
    return new Case(name, traced.program(), leaves);
  }
}
