package dev.slicestore.localstack;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code stack} command with its subcommands {@code up}, {@code down} and {@code status}: the
 * command-line face of {@link LocalStack}.
 *
 * <p>Register it under a root command with {@code @Command(subcommands = StackCommand.class)} or
 * {@code rootCommandLine.addSubcommand(new StackCommand())}; run it on its own with {@link
 * #main(String[])}. Exit codes: 0 success, 1 failure (or, for {@code status}, not running or not
 * reachable), 2 invalid usage.
 *
 * <p>Instances are used once by picocli and are not thread-safe.
 */
@Command(
    name = "stack",
    mixinStandardHelpOptions = true,
    description = "Start, stop or check the local Kafka + Redis stack that runs in the background.",
    subcommands = {StackCommand.Up.class, StackCommand.Down.class, StackCommand.Status.class})
public final class StackCommand implements Runnable {

  @Spec CommandSpec spec;

  /** Creates the command; picocli calls this. */
  public StackCommand() {}

  /**
   * Runs {@code stack} alone, which only says that a subcommand is missing.
   *
   * @throws CommandLine.ParameterException always, so picocli prints the usage
   */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: choose up, down or status");
  }

  /**
   * Runs the {@code stack} command on its own and exits with its exit code.
   *
   * @param args for example {@code up --state-dir /tmp/s}
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new StackCommand()).execute(args));
  }

  /**
   * The {@code --state-dir} option shared by the subcommands (and usable as a picocli mixin by
   * other commands that need to find the running stack).
   *
   * <p>Not thread-safe.
   */
  public static final class StateDirOption {

    @Option(
        names = "--state-dir",
        paramLabel = "DIR",
        description =
            "Directory of the local stack's data, log and state file "
                + "(default: $"
                + LocalStack.STATE_DIR_ENV
                + ", else .state in the current directory).")
    Path stateDir;

    /** Creates the mixin; picocli calls this. */
    public StateDirOption() {}

    /**
     * Returns the state directory chosen by the option, the environment or the default.
     *
     * @return an absolute path; never null
     */
    public Path resolve() {
      return LocalStack.resolveStateDir(stateDir);
    }
  }

  /**
   * {@code stack up}: starts the stack in the background unless it already runs. Not thread-safe.
   */
  @Command(
      name = "up",
      mixinStandardHelpOptions = true,
      description = "Start Kafka and Redis in a background process (or say that they already run).")
  public static final class Up implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin StateDirOption stateDir = new StateDirOption();

    @Option(
        names = "--kafka-port",
        paramLabel = "PORT",
        defaultValue = "" + StackPorts.DEFAULT_KAFKA_PORT,
        description = "Kafka client port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int kafkaPort;

    @Option(
        names = "--controller-port",
        paramLabel = "PORT",
        defaultValue = "" + StackPorts.DEFAULT_CONTROLLER_PORT,
        description = "Kafka controller port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int controllerPort;

    @Option(
        names = "--redis-port",
        paramLabel = "PORT",
        defaultValue = "" + StackPorts.DEFAULT_REDIS_PORT,
        description = "Redis port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int redisPort;

    @Option(
        names = "--timeout-seconds",
        paramLabel = "SECONDS",
        defaultValue = "120",
        description = "How long to wait for the stack to answer (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** Creates the command; picocli calls this. */
    public Up() {}

    /**
     * Starts the stack.
     *
     * @return 0 if the stack runs, 1 if it could not be started
     */
    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      StackPorts ports;
      try {
        ports = new StackPorts(kafkaPort, controllerPort, redisPort);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      try {
        LocalStack.up(stateDir.resolve(), ports, Duration.ofSeconds(timeoutSeconds), out);
        return 0;
      } catch (IOException e) {
        out.flush();
        spec.commandLine().getErr().println(e.getMessage());
        spec.commandLine().getErr().flush();
        return 1;
      }
    }
  }

  /** {@code stack down}: stops the background stack. Not thread-safe. */
  @Command(
      name = "down",
      mixinStandardHelpOptions = true,
      description = "Stop the background Kafka and Redis (their data is kept).")
  public static final class Down implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin StateDirOption stateDir = new StateDirOption();

    @Option(
        names = "--timeout-seconds",
        paramLabel = "SECONDS",
        defaultValue = "30",
        description =
            "How long to wait for a clean stop before killing the process (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    /** Creates the command; picocli calls this. */
    public Down() {}

    /**
     * Stops the stack.
     *
     * @return 0 if no stack runs any more, 1 if it could not be stopped
     */
    @Override
    public Integer call() {
      boolean ok =
          LocalStack.down(
              stateDir.resolve(), Duration.ofSeconds(timeoutSeconds), spec.commandLine().getOut());
      return ok ? 0 : 1;
    }
  }

  /** {@code stack status}: tells whether the stack runs and answers. Not thread-safe. */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Tell whether the local stack is running and whether Kafka and Redis answer.")
  public static final class Status implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin StateDirOption stateDir = new StateDirOption();

    /** Creates the command; picocli calls this. */
    public Status() {}

    /**
     * Prints the status.
     *
     * @return 0 if the stack runs and both Kafka and Redis answer, else 1
     */
    @Override
    public Integer call() {
      Path dir = stateDir.resolve();
      StackStatus status = LocalStack.status(dir);
      LocalStack.printStatus(dir, status, spec.commandLine().getOut());
      return status.healthy() ? 0 : 1;
    }
  }
}
