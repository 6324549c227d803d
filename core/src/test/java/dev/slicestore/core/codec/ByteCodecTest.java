package dev.slicestore.core.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.testing.Seeds;
import dev.slicestore.core.testing.Values;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteCodecTest {

  private static byte[] bytes(int... unsigned) {
    byte[] b = new byte[unsigned.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) unsigned[i];
    }
    return b;
  }

  @Test
  void primitiveEncodingsMatchTheirDefinitions() {
    assertThat(new ByteWriter().writeVarLong(0).toByteArray()).isEqualTo(bytes(0x00));
    assertThat(new ByteWriter().writeVarLong(127).toByteArray()).isEqualTo(bytes(0x7F));
    assertThat(new ByteWriter().writeVarLong(128).toByteArray()).isEqualTo(bytes(0x80, 0x01));
    assertThat(new ByteWriter().writeVarLong(-1).toByteArray())
        .isEqualTo(bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01));
    assertThat(new ByteWriter().writeZigZagLong(0).toByteArray()).isEqualTo(bytes(0x00));
    assertThat(new ByteWriter().writeZigZagLong(-1).toByteArray()).isEqualTo(bytes(0x01));
    assertThat(new ByteWriter().writeZigZagLong(1).toByteArray()).isEqualTo(bytes(0x02));
    assertThat(new ByteWriter().writeZigZagLong(-64).toByteArray()).isEqualTo(bytes(0x7F));
    assertThat(new ByteWriter().writeZigZagLong(64).toByteArray()).isEqualTo(bytes(0x80, 0x01));
    assertThat(new ByteWriter().writeDouble(-2.0).toByteArray())
        .isEqualTo(bytes(0, 0, 0, 0, 0, 0, 0, 0xC0));
    assertThat(new ByteWriter().writeString("hé").toByteArray())
        .isEqualTo(bytes(0x03, 'h', 0xC3, 0xA9));
    assertThat(new ByteWriter().writeBytes(new byte[0]).toByteArray()).isEqualTo(bytes(0x00));
    ByteWriter w = new ByteWriter(1).writeByte(7).writeByte(0x1FF);
    assertThat(w.size()).isEqualTo(2);
    assertThat(w.toByteArray()).isEqualTo(bytes(0x07, 0xFF));
  }

  @Test
  void randomSequencesRoundTrip() {
    Random r = Seeds.random("ByteCodecTest.randomSequencesRoundTrip");
    for (int trial = 0; trial < 2_000; trial++) {
      int n = r.nextInt(20);
      int[] kinds = new int[n];
      Object[] values = new Object[n];
      ByteWriter w = new ByteWriter(r.nextInt(4));
      for (int i = 0; i < n; i++) {
        kinds[i] = r.nextInt(5);
        switch (kinds[i]) {
          case 0 -> {
            long v = Values.randomLong(r);
            values[i] = v;
            w.writeVarLong(v);
          }
          case 1 -> {
            long v = Values.randomLong(r);
            values[i] = v;
            w.writeZigZagLong(v);
          }
          case 2 -> {
            double v = Values.randomDouble(r, true);
            values[i] = v;
            w.writeDouble(v);
          }
          case 3 -> {
            String v = Values.randomString(r);
            values[i] = v;
            w.writeString(v);
          }
          default -> {
            int v = r.nextInt(256);
            values[i] = v;
            w.writeByte(v);
          }
        }
      }
      byte[] out = w.toByteArray();
      assertThat(out).hasSize(w.size());
      ByteReader in = new ByteReader(out);
      for (int i = 0; i < n; i++) {
        Object read =
            switch (kinds[i]) {
              case 0 -> in.readVarLong();
              case 1 -> in.readZigZagLong();
              case 2 -> in.readDouble();
              case 3 -> in.readString();
              default -> in.readByte();
            };
        assertThat(read).as("%s trial %d item %d", Seeds.describe(), trial, i).isEqualTo(values[i]);
      }
      assertThat(in.atEnd()).isTrue();
      in.expectEnd("sequence");
    }
  }

  @Test
  void readerHonoursOffsetAndLength() {
    byte[] buf = bytes(0xAA, 0x05, 0x06, 0xBB);
    ByteReader in = new ByteReader(buf, 1, 2);
    assertThat(in.readByte()).isEqualTo(5);
    assertThat(in.readByte()).isEqualTo(6);
    assertThat(in.atEnd()).isTrue();
    assertThatThrownBy(in::readByte)
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void malformedInputIsCorruptDataNeverAnIndexException() {
    assertThatThrownBy(() -> new ByteReader(new byte[0]).readByte())
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("Corrupt data: truncated");
    assertThatThrownBy(() -> new ByteReader(bytes(0x80)).readVarLong())
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> new ByteReader(bytes(1, 2, 3)).readDouble())
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(
            () ->
                new ByteReader(
                        bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01))
                    .readVarLong())
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("varint longer than 10 bytes");
    assertThatThrownBy(() -> new ByteReader(bytes(0x80, 0x80, 0x80, 0x80, 0x08)).readVarInt())
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("out of range");
    assertThatThrownBy(() -> new ByteReader(bytes(0x05, 'a', 'b')).readString())
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("truncated");
    // a length just below 2^31 at a non-zero position must not overflow the bounds check
    assertThatThrownBy(
            () -> {
              ByteReader in = new ByteReader(bytes(0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 'a'));
              in.readByte();
              in.readBytes();
            })
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(
            () -> {
              ByteReader in = new ByteReader(bytes(0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 'a'));
              in.readByte();
              in.readString();
            })
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("truncated");
    ByteReader trailing = new ByteReader(bytes(0x01, 0x02));
    trailing.readByte();
    assertThatThrownBy(() -> trailing.expectEnd("thing"))
        .isInstanceOf(CorruptDataException.class)
        .hasMessage("Corrupt thing: 1 unexpected trailing bytes");
  }
}
