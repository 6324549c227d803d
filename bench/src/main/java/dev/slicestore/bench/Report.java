package dev.slicestore.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The output of one benchmark: sections of prose, markdown tables and PNG charts. {@link #write}
 * puts {@code <name>.md} (ready to paste into {@code BENCHMARKS.md}; charts linked relative to it)
 * into the output directory next to the charts, and {@link #print} shows the same on a terminal.
 * Not thread-safe: one benchmark fills it.
 */
public final class Report {
  private final String name;
  private final String title;
  private final StringBuilder markdown = new StringBuilder();
  private final List<Path> charts = new ArrayList<>();
  private final List<String> tables = new ArrayList<>();

  /**
   * @param name the benchmark's name (file names)
   * @param title the heading of its section
   */
  public Report(String name, String title) {
    this.name = name;
    this.title = title;
  }

  /**
   * @return the benchmark's name
   */
  public String name() {
    return name;
  }

  /** Adds a paragraph (markdown). */
  public Report paragraph(String text) {
    markdown.append(text).append("\n\n");
    return this;
  }

  /** Adds a level-4 heading. */
  public Report heading(String text) {
    markdown.append("#### ").append(text).append("\n\n");
    return this;
  }

  /**
   * Adds a markdown table.
   *
   * @param header column headers; a header starting with {@code >} is right-aligned (the {@code >}
   *     is dropped)
   * @param rows the cells, as many per row as headers
   * @throws IllegalArgumentException if a row has the wrong number of cells
   */
  public Report table(List<String> header, List<List<String>> rows) {
    StringBuilder t = new StringBuilder("|");
    StringBuilder rule = new StringBuilder("|");
    for (String h : header) {
      boolean right = h.startsWith(">");
      t.append(' ').append(right ? h.substring(1) : h).append(" |");
      rule.append(right ? "---:|" : "---|");
    }
    t.append('\n').append(rule).append('\n');
    for (List<String> row : rows) {
      if (row.size() != header.size()) {
        throw new IllegalArgumentException(
            "Invalid table row: " + row + " (must have " + header.size() + " cells)");
      }
      t.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    tables.add(t.toString());
    markdown.append(t).append('\n');
    return this;
  }

  /** Links a chart written next to the markdown. */
  public Report chart(Path png, String alt) {
    charts.add(png);
    markdown.append("![").append(alt).append("](").append(png.getFileName()).append(")\n\n");
    return this;
  }

  /**
   * @return the charts added so far
   */
  public List<Path> charts() {
    return List.copyOf(charts);
  }

  /**
   * @return the markdown tables added so far
   */
  public List<String> tables() {
    return List.copyOf(tables);
  }

  /**
   * @return the whole section as markdown, starting with a level-3 heading
   */
  public String markdown() {
    return "### " + title + "\n\n" + markdown;
  }

  /**
   * Writes {@code <dir>/<name>.md}.
   *
   * @return the file written
   * @throws IOException if it cannot be written
   */
  public Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(name + ".md");
    Files.writeString(file, markdown(), StandardCharsets.UTF_8);
    return file;
  }

  /** Prints the section (markdown is readable as plain text) to {@code out}. */
  public void print(PrintStream out) {
    out.println();
    out.println(markdown());
    out.flush();
  }
}
