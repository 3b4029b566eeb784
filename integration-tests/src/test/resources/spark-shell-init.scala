// What spark-shell runs before a user's first line (Spark 4.2's SparkILoop initialization),
// for the Scala 2.13 REPL that stands in for spark-shell in the integration tests: the session
// comes from the spark.* system properties, as spark-submit passes them to spark-shell's driver.
@transient val spark = org.apache.spark.sql.SparkSession.builder().appName("Spark shell").getOrCreate()
@transient val sc = spark.sparkContext
import org.apache.spark.SparkContext._
import spark.implicits._
import spark.sql
import org.apache.spark.sql.functions._
