package dev.slicestore.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine a benchmark ran on, as the OS reports it: CPU model and logical cores ({@code
 * /proc/cpuinfo}, {@link Runtime#availableProcessors()}), physical memory ({@code /proc/meminfo}
 * {@code MemTotal}), the 1-minute load average when the run started ({@code /proc/loadavg}: a load
 * above the core count means other work shared the machine and the numbers are noisy), the OS and
 * the Java runtime.
 *
 * @param cpuModel the CPU model name, or "unknown"
 * @param cores logical cores this JVM may use
 * @param memoryBytes physical memory, bytes (0 if unknown)
 * @param loadAverage1m the 1-minute load average at {@link #detect()} time (-1 if unknown)
 * @param os OS name, version and architecture
 * @param java Java version and VM name
 */
public record Machine(
    String cpuModel, int cores, long memoryBytes, double loadAverage1m, String os, String java) {

  /** Reads the current machine's description; never throws (unknown values are marked as such). */
  public static Machine detect() {
    String cpu = "unknown";
    long mem = 0;
    double load = -1;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: leave unknown
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          mem = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // leave 0
    }
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/loadavg"));
      load = Double.parseDouble(lines.get(0).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      // leave -1
    }
    return new Machine(
        cpu,
        Runtime.getRuntime().availableProcessors(),
        mem,
        load,
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " "
            + System.getProperty("os.arch"),
        System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
  }

  /**
   * @return the current 1-minute load average, or -1 if unknown
   */
  public static double currentLoadAverage() {
    try {
      return Double.parseDouble(Files.readAllLines(Path.of("/proc/loadavg")).get(0).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * @return one markdown line describing the machine
   */
  public String describe() {
    return String.format(
        "%d cores (%s), %.1f GiB memory, %s, Java %s; 1-min load average at start %.2f",
        cores, cpuModel, memoryBytes / (double) (1L << 30), os, java, loadAverage1m);
  }
}
