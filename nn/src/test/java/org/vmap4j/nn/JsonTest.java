package org.vmap4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The strict JSON reader of safetensors headers, and the string writer. */
class JsonTest {
  @Test
  void readsValuesKeepingKeyOrder() {
    Object v =
        Json.parse(
            " {\"b\": [1, -2, 3.5e2, true, false, null], \"a\": {\"s\": \"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}} ");
    assertThat(v).isInstanceOf(Map.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> m = (Map<String, Object>) v;
    assertThat(m.keySet()).containsExactly("b", "a");
    assertThat(m.get("b")).isEqualTo(java.util.Arrays.asList(1L, -2L, 350.0, true, false, null));
    assertThat(((Map<?, ?>) m.get("a")).get("s")).isEqualTo("x\"\\/\b\f\n\r\t\u00e9");
    assertThat(Json.parse("{}")).isEqualTo(Map.of());
    assertThat(Json.parse("[]")).isEqualTo(List.of());
  }

  @Test
  void rejectsWhatRfc8259Rejects() {
    for (String bad :
        new String[] {
          "{\"a\":1,}",
          "[1,]",
          "{'a':1}",
          "{\"a\" 1}",
          "01",
          "1.",
          "-",
          "+1",
          "1e",
          "tru",
          "[1] x",
          "\"tab\there\"",
          "\"\\x\"",
          "\"\\u12\"",
          "{\"a\":1,\"a\":2}",
          "",
          "[",
          "NaN",
          "99999999999999999999"
        }) {
      assertThatThrownBy(() -> Json.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("malformed JSON header at character");
    }
  }

  @Test
  void nestingIsBounded() {
    String deep = "[".repeat(100) + "]".repeat(100);
    assertThatThrownBy(() -> Json.parse(deep)).hasMessageContaining("nesting deeper than 64");
  }

  @Test
  void quotedStringsReadBack() {
    String s = "a\"b\\c\nd\u0001\u00e9";
    assertThat(Json.parse(Json.quote(s))).isEqualTo(s);
  }
}
