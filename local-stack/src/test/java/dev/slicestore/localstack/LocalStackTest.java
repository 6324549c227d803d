package dev.slicestore.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import redis.clients.jedis.Jedis;

/**
 * {@code stack up / status / down} end to end, through the picocli commands as the CLI runs them: a
 * real detached background JVM with a real Kafka and a real redis-server.
 */
class LocalStackTest {

  @TempDir Path temp;

  private Path stateDir;

  @AfterEach
  void stopWhateverIsLeft() {
    if (stateDir != null) {
      LocalStack.down(stateDir, Duration.ofSeconds(30), new PrintWriter(new StringWriter()));
    }
  }

  @Test
  void upStatusDownEndToEnd() throws Exception {
    stateDir = temp.resolve("state");
    int kafkaPort = Ports.freePort();
    int controllerPort = Ports.freePort();
    int redisPort = Ports.freePort();

    Run status = run("status", "--state-dir", stateDir.toString());
    assertThat(status.exitCode).as("status before up").isEqualTo(1);
    assertThat(status.out).contains("The local stack is not running");

    Run up =
        run(
            "up",
            "--state-dir",
            stateDir.toString(),
            "--kafka-port",
            "" + kafkaPort,
            "--controller-port",
            "" + controllerPort,
            "--redis-port",
            "" + redisPort);
    assertThat(up.exitCode).as("up: %s %s", up.out, up.err).isZero();
    assertThat(up.out)
        .contains("The local stack is up", "localhost:" + kafkaPort, "127.0.0.1:" + redisPort);

    StackInfo info = LocalStack.read(stateDir);
    assertThat(info).as("stack.properties of a live daemon").isNotNull();
    assertThat(info.bootstrapServers()).isEqualTo("localhost:" + kafkaPort);
    assertThat(info.redisHost()).isEqualTo("127.0.0.1");
    assertThat(info.redisPort()).isEqualTo(redisPort);
    assertThat(info.pid()).isNotEqualTo(ProcessHandle.current().pid());
    assertThat(Files.readString(stateDir.resolve(LocalStack.STACK_LOG)))
        .contains("The local stack is ready");
    try (Jedis jedis = new Jedis(info.redisHost(), info.redisPort())) {
      assertThat(jedis.ping()).isEqualTo("PONG");
    }

    status = run("status", "--state-dir", stateDir.toString());
    assertThat(status.exitCode).as("status while up: %s", status.out).isZero();
    assertThat(status.out).contains("Kafka  localhost:" + kafkaPort + "   reachable", "reachable");

    Run again =
        run(
            "up",
            "--state-dir",
            stateDir.toString(),
            "--kafka-port",
            "" + kafkaPort,
            "--controller-port",
            "" + controllerPort,
            "--redis-port",
            "" + redisPort);
    assertThat(again.exitCode).isZero();
    assertThat(again.out).contains("already running (pid " + info.pid() + ")");

    Run down = run("down", "--state-dir", stateDir.toString());
    assertThat(down.exitCode).as("down: %s", down.out).isZero();
    assertThat(down.out).contains("The local stack is stopped");
    assertThat(ProcessHandle.of(info.pid()).map(ProcessHandle::isAlive).orElse(false))
        .as("daemon gone")
        .isFalse();
    assertThat(LocalStack.read(stateDir)).isNull();
    assertThat(stateDir.resolve(LocalStack.STACK_PROPERTIES)).doesNotExist();
    assertThat(Ports.isOpen("127.0.0.1", kafkaPort, 500)).as("Kafka port closed").isFalse();
    assertThat(LocalRedis.ping("127.0.0.1", redisPort, 500))
        .as("redis-server stopped too")
        .isFalse();

    status = run("status", "--state-dir", stateDir.toString());
    assertThat(status.exitCode).as("status after down").isEqualTo(1);

    Run downAgain = run("down", "--state-dir", stateDir.toString());
    assertThat(downAgain.exitCode).isZero();
    assertThat(downAgain.out).contains("not running");
  }

  @Test
  void upFailsClearlyWhenAPortIsTaken() throws Exception {
    stateDir = temp.resolve("busy");
    try (LocalRedis squatter = new LocalRedis(temp.resolve("squatter"), 0)) {
      squatter.start();
      Run up =
          run(
              "up",
              "--state-dir",
              stateDir.toString(),
              "--kafka-port",
              "" + squatter.port(),
              "--controller-port",
              "" + Ports.freePort(),
              "--redis-port",
              "" + Ports.freePort());
      assertThat(up.exitCode).isEqualTo(1);
      assertThat(up.err).contains("port " + squatter.port(), "already in use", "--kafka-port");
      assertThat(LocalStack.read(stateDir)).isNull();
    }
  }

  @Test
  void stackAloneAsksForASubcommand() {
    Run run = run();
    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err).contains("Missing subcommand");
  }

  @Test
  void childClassPathSpellsOutManifestOnlyJars() throws Exception {
    String classPath = LocalStack.childClassPath();
    assertThat(classPath).as("picocli must be on the daemon's class path").contains("picocli");
    assertThat(classPath).contains("kafka-server");
  }

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new StackCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }
}
