package org.vmap4j.gpu;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.vmap4j.gpu.cublas.CublasAvailability;
import org.vmap4j.gpu.cuda.CudaAvailability;

/**
 * The device check's test step (gpu/scripts/device-check.sh): runs the named test classes (named
 * relative to {@code org.vmap4j.gpu}, e.g. {@code ptx.IndexMathTest}) one by one through the JUnit
 * Platform launcher and prints one line per test (PASS, FAIL with the first line of the failure,
 * SKIP with the reason), then a count per class. Exit status 1 if any failed.
 */
public final class DeviceCheck {
  private DeviceCheck() {}

  public static void main(String[] args) {
    System.out.println("cuda probe: " + CudaAvailability.probe());
    System.out.println("cublas: " + CublasAvailability.probe().description());
    Launcher launcher = LauncherFactory.create();
    List<String> summary = new ArrayList<>();
    boolean failed = false;
    for (String name : args) {
      int[] counts = new int[3];
      TestExecutionListener listener =
          new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
              counts[2]++;
              System.out.println("SKIP " + name + " " + id.getDisplayName() + ": " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
              if (!id.isTest()) {
                if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                  counts[1]++;
                  System.out.println("FAIL " + name + " (container) " + firstLine(result));
                }
                return;
              }
              switch (result.getStatus()) {
                case SUCCESSFUL -> {
                  counts[0]++;
                  System.out.println("PASS " + name + " " + id.getDisplayName());
                }
                case ABORTED -> {
                  counts[2]++;
                  System.out.println(
                      "SKIP " + name + " " + id.getDisplayName() + ": " + firstLine(result));
                }
                case FAILED -> {
                  counts[1]++;
                  System.out.println(
                      "FAIL " + name + " " + id.getDisplayName() + ": " + firstLine(result));
                  result.getThrowable().ifPresent(t -> t.printStackTrace(System.out));
                }
              }
            }
          };
      LauncherDiscoveryRequest request;
      try {
        request =
            LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(Class.forName("org.vmap4j.gpu." + name)))
                .build();
      } catch (ClassNotFoundException e) {
        System.out.println("FAIL " + name + ": no such test class");
        failed = true;
        continue;
      }
      launcher.execute(request, listener);
      failed |= counts[1] > 0;
      summary.add(
          String.format(
              "%-22s pass %3d  fail %3d  skip %3d", name, counts[0], counts[1], counts[2]));
    }
    System.out.println("---- tests");
    summary.forEach(System.out::println);
    System.exit(failed ? 1 : 0);
  }

  private static String firstLine(TestExecutionResult r) {
    return r.getThrowable()
        .map(
            t ->
                t.getClass().getSimpleName()
                    + ": "
                    + String.valueOf(t.getMessage()).lines().findFirst().orElse(""))
        .orElse("");
  }
}
