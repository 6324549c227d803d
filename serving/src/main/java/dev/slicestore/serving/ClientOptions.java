package dev.slicestore.serving;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The connection options shared by the client commands (a picocli mixin): {@code --target} and
 * {@code --deadline}. Not thread-safe.
 */
public final class ClientOptions {
  @Option(names = "--target", paramLabel = "HOST:PORT", defaultValue = FeatureClient.DEFAULT_TARGET,
      description = "Server address (gRPC target). Default: ${DEFAULT-VALUE}.")
  String target;

  @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "5s", converter = DurationConverter.class,
      description = "Call deadline, e.g. 500ms, 5s, 1m or PT5S. Default: ${DEFAULT-VALUE}.")
  Duration deadline;

  /** @return the gRPC target, e.g. {@code localhost:50051} */
  public String target() {
    return target;
  }

  /** @return the call deadline (positive) */
  public Duration deadline() {
    return deadline;
  }

  /**
   * Parses {@code <n>ms}, {@code <n>s}, {@code <n>m}, {@code <n>h} (n may have decimals) or an
   * ISO-8601 duration; rejects zero and negative durations.
   */
  public static final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

    /**
     * @return the duration
     * @throws TypeConversionException if the text is not a positive duration
     */
    @Override
    public Duration convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      Duration d;
      Matcher m = SIMPLE.matcher(v);
      if (m.matches()) {
        double n = Double.parseDouble(m.group(1));
        double unitMillis = switch (m.group(2)) {
          case "ms" -> 1;
          case "s" -> 1_000;
          case "m" -> 60_000;
          default -> 3_600_000;
        };
        d = Duration.ofNanos(Math.round(n * unitMillis * 1_000_000));
      } else {
        try {
          d = Duration.parse(value.trim().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
          throw new TypeConversionException("Invalid duration '" + value + "' (e.g. 500ms, 5s, 1m, PT5S)");
        }
      }
      if (d.isZero() || d.isNegative()) {
        throw new TypeConversionException("Invalid duration '" + value + "' (must be > 0)");
      }
      return d;
    }
  }
}
