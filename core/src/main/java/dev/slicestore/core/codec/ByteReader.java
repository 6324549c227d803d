package dev.slicestore.core.codec;

import java.nio.charset.StandardCharsets;

/**
 * Reads what {@link ByteWriter} wrote. Every read checks bounds and throws {@link
 * CorruptDataException} on truncated or malformed input, never an {@code
 * ArrayIndexOutOfBoundsException}.
 *
 * <p>Not thread-safe.
 */
public final class ByteReader {
  private final byte[] buf;
  private final int end;
  private int pos;

  /**
   * @param bytes the encoded bytes (not copied; must not change while reading)
   */
  public ByteReader(byte[] bytes) {
    this(bytes, 0, bytes.length);
  }

  /** Reads {@code bytes[offset, offset + length)}. */
  public ByteReader(byte[] bytes, int offset, int length) {
    this.buf = bytes;
    this.pos = offset;
    this.end = offset + length;
  }

  private void need(int n) {
    if (n < 0 || n > end - pos) {
      throw new CorruptDataException(
          "Corrupt data: truncated (need "
              + n
              + " bytes at position "
              + pos
              + ", have "
              + (end - pos)
              + ")");
    }
  }

  /**
   * @return the next byte as an unsigned value 0–255
   */
  public int readByte() {
    need(1);
    return buf[pos++] & 0xFF;
  }

  /**
   * @return the next unsigned LEB128 varint
   */
  public long readVarLong() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = readByte();
      result |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
    throw new CorruptDataException("Corrupt data: varint longer than 10 bytes at position " + pos);
  }

  /**
   * @return the next varint, checked to be a non-negative int (a length or a count)
   */
  public int readVarInt() {
    long v = readVarLong();
    if (v < 0 || v > Integer.MAX_VALUE) {
      throw new CorruptDataException(
          "Corrupt data: length " + v + " out of range at position " + pos);
    }
    return (int) v;
  }

  /**
   * @return the next ZigZag varint
   */
  public long readZigZagLong() {
    long v = readVarLong();
    return (v >>> 1) ^ -(v & 1);
  }

  /**
   * @return the next 8-byte little-endian double
   */
  public double readDouble() {
    need(8);
    long bits = 0;
    for (int i = 0; i < 8; i++) {
      bits |= (long) (buf[pos++] & 0xFF) << (8 * i);
    }
    return Double.longBitsToDouble(bits);
  }

  /**
   * @return the next length-prefixed byte array
   */
  public byte[] readBytes() {
    int n = readVarInt();
    need(n);
    byte[] out = new byte[n];
    System.arraycopy(buf, pos, out, 0, n);
    pos += n;
    return out;
  }

  /**
   * @return the next length-prefixed UTF-8 string
   */
  public String readString() {
    int n = readVarInt();
    need(n);
    String s = new String(buf, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }

  /**
   * @return true iff every byte has been read
   */
  public boolean atEnd() {
    return pos == end;
  }

  /**
   * @throws CorruptDataException if bytes are left over after a complete value
   */
  public void expectEnd(String what) {
    if (pos != end) {
      throw new CorruptDataException(
          "Corrupt " + what + ": " + (end - pos) + " unexpected trailing bytes");
    }
  }
}
