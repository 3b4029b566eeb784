package org.vmap4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NewTransformFormsTest {
  @Test
  void everyFormAgreesWithFiniteDifferences() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    NewTransformForms.Result r =
        NewTransformForms.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(r.gradAllError()).isLessThan(NewTransformForms.TOLERANCE);
    assertThat(r.perExampleError()).isLessThan(NewTransformForms.TOLERANCE);
    assertThat(r.jacrevError()).isLessThan(NewTransformForms.TOLERANCE);
    assertThat(r.jacfwdError()).isLessThan(NewTransformForms.TOLERANCE);
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .contains("w [2, 2, 3], b [2, 2]")
        .contains("checks passed");
  }

  @Test
  void theCheckRejectsAnError() {
    assertThatThrownBy(() -> NewTransformForms.check(new NewTransformForms.Result(0, 0, 1e-3, 0)))
        .hasMessageContaining("differs from finite differences");
  }
}
