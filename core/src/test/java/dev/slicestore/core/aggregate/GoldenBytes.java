package dev.slicestore.core.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import java.util.Arrays;

/**
 * What the golden-byte tests of the accumulator formats ({@link AccumulatorFormatV1Test}, {@link
 * CatalogueFormatV1Test}) assert of each fixture, and how they write the bytes.
 */
final class GoldenBytes {

  private GoldenBytes() {}

  /** The bytes of unsigned values 0 to 255, written as ints so that {@code 0xFF} needs no cast. */
  static byte[] bytes(int... unsigned) {
    byte[] b = new byte[unsigned.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) unsigned[i];
    }
    return b;
  }

  /**
   * The unsigned values of bytes written in hex, two digits a byte and blanks between ({@code "01
   * 2D"}); the parts are concatenated, so a long payload can be written one word a part.
   */
  static int[] hex(String... parts) {
    return Arrays.stream(String.join(" ", parts).trim().split("\\s+"))
        .mapToInt(b -> Integer.parseInt(b, 16))
        .toArray();
  }

  /**
   * Asserts that {@code f} encodes {@code acc} to exactly {@code golden}; that {@code golden}
   * decodes, to its end, to an accumulator of the same result that encodes to {@code golden} again;
   * and that each strict prefix of {@code golden}, and {@code golden} with any other version byte,
   * is refused as corrupt.
   *
   * @param name the function's name, for the messages of the prefix and version checks
   * @param description what {@code acc} is, for the message of the encoding check
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static void assertEncodesTo(
      String name, String description, AggregateFunction f, Object acc, byte[] golden) {
    ByteWriter out = new ByteWriter();
    f.encode(acc, out);
    assertThat(out.toByteArray()).as(description).isEqualTo(golden);
    // decoding the golden bytes gives the same result and re-encodes to the same bytes
    ByteReader in = new ByteReader(golden);
    Object decoded = f.decode(in);
    assertThat(in.atEnd()).isTrue();
    assertThat(resultOrError(f, decoded)).isEqualTo(resultOrError(f, acc));
    ByteWriter again = new ByteWriter();
    f.encode(decoded, again);
    assertThat(again.toByteArray()).isEqualTo(golden);
    // every strict prefix is truncated data, and any other version byte is refused
    for (int len = 0; len < golden.length; len++) {
      byte[] prefix = Arrays.copyOf(golden, len);
      assertThatThrownBy(() -> f.decode(new ByteReader(prefix)))
          .as("%s prefix of %d bytes", name, len)
          .isInstanceOf(CorruptDataException.class)
          .hasMessageContaining("Corrupt");
    }
    for (int version : new int[] {0, 2, 9, 0xFF}) {
      byte[] other = golden.clone();
      other[0] = (byte) version;
      assertThatThrownBy(() -> f.decode(new ByteReader(other)))
          .as("%s version %d", name, version)
          .isInstanceOf(CorruptDataException.class)
          .hasMessageContaining("Corrupt")
          .hasMessageContaining("version " + version + " not recognized");
    }
  }

  /**
   * The result of {@code acc}, or the message of the {@link ArithmeticException} that {@code
   * getResult} throws where the result does not fit its type (a decoded accumulator must do the
   * same).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object resultOrError(AggregateFunction f, Object acc) {
    try {
      return f.getResult(acc);
    } catch (ArithmeticException e) {
      return e.getMessage();
    }
  }
}
