package dev.slicestore.quickstart.replay;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/** The CSV files the generators write. Stateless and thread-safe. */
final class GeneratedCsv {

  private GeneratedCsv() {}

  /**
   * A generator's run into a sink of rows.
   *
   * @param <S> what the run returns
   */
  @FunctionalInterface
  interface Generation<S> {
    /**
     * @param sink receives every generated row
     * @return what the run returns
     * @throws IOException if the sink cannot store a row
     */
    S into(EventGenerator.RowSink sink) throws IOException;
  }

  /**
   * Writes a header row, then the rows of a generator's run, to a CSV file, gzip-compressed if the
   * name ends with {@code .gz}; an existing file is replaced, a missing parent directory created.
   *
   * @return what the run returns
   * @throws IOException if the file cannot be written
   */
  static <S> S write(Path file, List<String> header, Generation<S> generation) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    CSVFormat format = CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get();
    try (OutputStream raw = Files.newOutputStream(file);
        OutputStream compressed =
            file.getFileName().toString().endsWith(".gz")
                ? new GZIPOutputStream(raw, 1 << 16)
                : raw;
        Writer writer =
            new BufferedWriter(
                new OutputStreamWriter(compressed, StandardCharsets.UTF_8), 1 << 16);
        CSVPrinter printer = new CSVPrinter(writer, format)) {
      printer.printRecord(header);
      return generation.into(row -> printer.printRecord((Object[]) row));
    }
  }
}
