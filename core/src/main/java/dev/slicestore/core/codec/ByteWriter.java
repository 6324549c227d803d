package dev.slicestore.core.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable little-endian byte buffer with the primitive encodings every slicestore binary format
 * uses: unsigned LEB128 varints, ZigZag varints for signed values, 8-byte IEEE 754 doubles, and
 * length-prefixed UTF-8 strings and byte arrays.
 *
 * <p>Not thread-safe.
 */
public final class ByteWriter {
  private byte[] buf;
  private int size;

  /** Creates a writer with a small initial capacity. */
  public ByteWriter() {
    this(32);
  }

  /**
   * @param initialCapacity initial buffer size in bytes (grows as needed)
   */
  public ByteWriter(int initialCapacity) {
    this.buf = new byte[Math.max(8, initialCapacity)];
  }

  private void ensure(int extra) {
    if (size + extra > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
    }
  }

  /** Appends one byte. */
  public ByteWriter writeByte(int b) {
    ensure(1);
    buf[size++] = (byte) b;
    return this;
  }

  /** Appends an unsigned LEB128 varint (1–10 bytes); negative values take 10 bytes. */
  public ByteWriter writeVarLong(long v) {
    ensure(10);
    while ((v & ~0x7FL) != 0) {
      buf[size++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[size++] = (byte) v;
    return this;
  }

  /** Appends a ZigZag-encoded signed varint: small magnitudes of either sign take few bytes. */
  public ByteWriter writeZigZagLong(long v) {
    return writeVarLong((v << 1) ^ (v >> 63));
  }

  /** Appends a double as 8 little-endian bytes of its IEEE 754 bit pattern (exact round trip). */
  public ByteWriter writeDouble(double d) {
    long bits = Double.doubleToRawLongBits(d);
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[size++] = (byte) (bits >>> (8 * i));
    }
    return this;
  }

  /** Appends a varint length followed by the bytes. */
  public ByteWriter writeBytes(byte[] bytes) {
    writeVarLong(bytes.length);
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, size, bytes.length);
    size += bytes.length;
    return this;
  }

  /** Appends a varint length followed by the string's UTF-8 bytes. */
  public ByteWriter writeString(String s) {
    return writeBytes(s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * @return the number of bytes written so far
   */
  public int size() {
    return size;
  }

  /**
   * @return a copy of the bytes written so far
   */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }
}
