package dev.slicestore.testkit;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a class's {@code main} in a separate JVM with the test's classpath and its Spark JVM
 * flags, so that a test can kill it for real (SIGKILL). Stateless and thread-safe.
 */
public final class ChildJvm {
  private ChildJvm() {}

  /**
   * @param mainClass the class whose {@code main} runs
   * @param args its arguments
   * @param log the file its standard output and error go to
   * @return the started process
   * @throws java.io.IOException if it cannot be started
   */
  public static Process start(Class<?> mainClass, List<String> args, Path log)
      throws java.io.IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens")
          || a.startsWith("-Xmx")
          || a.startsWith("-Djdk.reflect")
          || a.startsWith("-Dio.netty")
          || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")) {
        cmd.add(a);
      }
    }
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    cmd.add("-cp");
    cmd.add(cp.replace(File.pathSeparatorChar, File.pathSeparatorChar));
    cmd.add(mainClass.getName());
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }
}
