package dev.slicestore.testkit;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One run of a picocli command in this JVM, as a user would type it, with what it printed.
 *
 * @param exitCode the command's exit code
 * @param out what it printed to standard output
 * @param err what it printed to standard error
 */
public record CliRun(int exitCode, String out, String err) {

  /**
   * Runs a command.
   *
   * @param command a new instance of the command class (a picocli {@code @Command})
   * @param args its arguments
   * @return the exit code and the captured output
   */
  public static CliRun run(Object command, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(command);
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }
}
