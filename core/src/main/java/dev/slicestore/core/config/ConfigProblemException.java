package dev.slicestore.core.config;

import java.util.List;

/**
 * A configuration file is invalid. The message lists every problem found, each as {@code <file>:
 * <path> (line N): <problem>}, so a user can fix them all in one go.
 */
public class ConfigProblemException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  /**
   * @param problems one line per problem, already carrying file, path and line
   */
  public ConfigProblemException(List<String> problems) {
    super(
        problems.size() == 1
            ? "Invalid configuration: " + problems.get(0)
            : "Invalid configuration ("
                + problems.size()
                + " problems):\n  "
                + String.join("\n  ", problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * @return the problems, one message each
   */
  public List<String> problems() {
    return problems;
  }
}
