package org.vmap4j.spark.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmap4j.backend.Availability;
import org.vmap4j.backend.Backend;
import org.vmap4j.backend.Backends;
import org.vmap4j.backend.CompiledProgram;
import org.vmap4j.backend.Plan;

/** The executor's backend settings and choice, without a GPU. */
class TaskBackendTest {
  /** A GPU backend that remembers the device it was moved to. */
  record FakeGpu(boolean up, String address) implements Backend {
    @Override
    public String name() {
      return "fakegpu";
    }

    @Override
    public Kind kind() {
      return Kind.GPU;
    }

    @Override
    public Availability availability() {
      return up ? Availability.yes("fake") : Availability.no("fake driver missing");
    }

    @Override
    public CompiledProgram compile(Plan plan) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Backend onDevice(String a) {
      return new FakeGpu(up, a);
    }
  }

  private final List<String> log = new ArrayList<>();

  @BeforeEach
  void reset() {
    TaskBackend.resetFallbackLog();
  }

  private static TaskBackend.Settings settings(Map<String, String> conf) {
    return TaskBackend.Settings.parse(conf::get);
  }

  @Test
  void defaultsAreCpuAndOneGpuTask() {
    assertThat(settings(Map.of())).isEqualTo(new TaskBackend.Settings("cpu", 1));
    assertThat(settings(Map.of(TaskBackend.BACKEND, " GPU ", TaskBackend.GPU_TASKS, "3")))
        .isEqualTo(new TaskBackend.Settings("gpu", 3));
  }

  @Test
  void badSettingsNameTheKeyAndValue() {
    assertThatThrownBy(() -> settings(Map.of(TaskBackend.GPU_TASKS, "two")))
        .hasMessage("spark.vmap4j.gpu.concurrentTasks must be a positive integer, but was 'two'");
    assertThatThrownBy(() -> settings(Map.of(TaskBackend.GPU_TASKS, "0")))
        .hasMessageContaining("at least 1");
    assertThatThrownBy(() -> settings(Map.of(TaskBackend.BACKEND, " ")))
        .hasMessageContaining("spark.vmap4j.backend is empty");
  }

  @Test
  void withoutAGpuAutoAndGpuFallBackToTheCpuWithExactlyOneLogLine() {
    List<Backend> noGpu = List.of(Backends.cpu(), new FakeGpu(false, null));
    for (String choice : List.of("auto", "gpu", "auto")) {
      Backend b = TaskBackend.choose(new TaskBackend.Settings(choice, 1), "0", noGpu, log::add);
      assertThat(b).isSameAs(Backends.cpu());
    }
    assertThat(log).hasSize(1);
    assertThat(log.get(0)).contains("running on the CPU", "fakegpu: fake driver missing");
  }

  @Test
  void withoutTheGpuJarTheLogLineSaysSo() {
    TaskBackend.choose(new TaskBackend.Settings("gpu", 1), null, List.of(Backends.cpu()), log::add);
    assertThat(log).singleElement().asString().contains("vmap4j-gpu jar is not on the classpath");
  }

  @Test
  void aUsableGpuRunsOnTheAssignedDevice() {
    List<Backend> gpu = List.of(Backends.cpu(), new FakeGpu(true, null));
    Backend b = TaskBackend.choose(new TaskBackend.Settings("auto", 1), "2", gpu, log::add);
    assertThat(b).isEqualTo(new FakeGpu(true, "2"));
    Backend unassigned =
        TaskBackend.choose(new TaskBackend.Settings("gpu", 1), null, gpu, log::add);
    assertThat(unassigned).isEqualTo(new FakeGpu(true, null));
    assertThat(log).isEmpty();
  }

  @Test
  void cpuIgnoresGpusAndANamedUnavailableBackendIsAnError() {
    List<Backend> gpu = List.of(Backends.cpu(), new FakeGpu(false, null));
    assertThat(TaskBackend.choose(new TaskBackend.Settings("cpu", 1), "0", gpu, log::add))
        .isSameAs(Backends.cpu());
    assertThatThrownBy(
            () -> TaskBackend.choose(new TaskBackend.Settings("fakegpu", 1), "0", gpu, log::add))
        .hasMessageContaining("fake driver missing");
    assertThatThrownBy(
            () -> TaskBackend.choose(new TaskBackend.Settings("tpu", 1), "0", gpu, log::add))
        .hasMessageContaining("unknown backend 'tpu'");
  }

  @Test
  void outsideATaskNoGpuIsAssigned() {
    assertThat(TaskBackend.assignedGpu()).isNull();
  }
}
