package org.vmap4j.spark.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.vmap4j.spark.executor.ArrowBatching.MAX_RECORDS_PER_BATCH;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.vmap4j.spark.SharedSpark;

@ExtendWith(SharedSpark.class)
class ArrowBatchingTest {

  private static SparkSession spark;

  @BeforeAll
  static void startSpark(SparkSession shared) {
    spark = shared;
  }

  @AfterEach
  void resetSetting() {
    spark.conf().unset(MAX_RECORDS_PER_BATCH);
  }

  @Test
  void sparkStartsAndRunsAJobUnderThePlainTestCommand() {
    assertThat(spark.range(1000).selectExpr("sum(id)").head().getLong(0)).isEqualTo(499500L);
  }

  @Test
  void defaultIsSparks10000() {
    assertThat(ArrowBatching.recordsPerBatch(spark)).isEqualTo(10000);
  }

  @Test
  void sessionSettingIsUsed() {
    spark.conf().set(MAX_RECORDS_PER_BATCH, "512");

    assertThat(ArrowBatching.recordsPerBatch(spark)).isEqualTo(512);
    assertThat(ArrowBatching.recordsPerBatch(spark.conf())).isEqualTo(512);
  }

  @Test
  void blanksAroundTheValueAreIgnoredAsSparkIgnoresThem() {
    spark.conf().set(MAX_RECORDS_PER_BATCH, " 512 ");

    assertThat(ArrowBatching.recordsPerBatch(spark)).isEqualTo(512);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-1", "-2147483648"})
  void zeroOrNegativeMeansNoLimit(String value) {
    spark.conf().set(MAX_RECORDS_PER_BATCH, value);

    assertThat(ArrowBatching.recordsPerBatch(spark)).isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void sparkRejectsANonNumericSettingAndTheOldValueStays() {
    spark.conf().set(MAX_RECORDS_PER_BATCH, "512");

    assertThatIllegalArgumentException()
        .isThrownBy(() -> spark.conf().set(MAX_RECORDS_PER_BATCH, "abc"))
        .withMessageContaining(MAX_RECORDS_PER_BATCH)
        .withMessageContaining("'abc'");
    assertThat(ArrowBatching.recordsPerBatch(spark)).isEqualTo(512);
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "", "1.5", "2147483648"})
  void nonIntRawValueFailsNamingTheKeyAndTheValue(String value) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ArrowBatching.fromConfValue(value))
        .withMessageContaining(MAX_RECORDS_PER_BATCH)
        .withMessageContaining("'" + value + "'");
  }

  @Test
  void rawValuesAreInterpretedLikeSessionValues() {
    assertThat(ArrowBatching.fromConfValue("10000")).isEqualTo(10000);
    assertThat(ArrowBatching.fromConfValue(" 7\t")).isEqualTo(7);
    assertThat(ArrowBatching.fromConfValue("0")).isEqualTo(Integer.MAX_VALUE);
    assertThat(ArrowBatching.fromConfValue("2147483647")).isEqualTo(Integer.MAX_VALUE);
  }
}
