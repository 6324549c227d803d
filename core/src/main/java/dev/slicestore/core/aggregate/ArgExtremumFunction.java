package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;

/**
 * {@code argmax} / {@code argmin}: the value of another column ({@code params.value}) on the event
 * with the largest / smallest input. Inputs are {@link KeyedValue}s; events with a null key are
 * ignored. Ties on the key are broken by the earliest {@link EventPosition} (event time, then
 * topic, partition and offset), a total order over distinct events, so every merge order gives the
 * same result. Keys compare as {@code min}/{@code max} do ({@link Double#compare} for doubles).
 * Result: the value column's type; an empty window, or a chosen event whose value is null, gives
 * null.
 *
 * <p>Accumulator: at most one event (constant size). Binary form: version byte (1), presence byte
 * (0 empty, 1 event follows), the key (as {@code min}/{@code max} write it), a presence byte and
 * the value, then the position (zigzag varints: event time, topic, partition, offset).
 */
final class ArgExtremumFunction implements AggregateFunction<ArgExtremumFunction.Acc> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  /** Mutable holder of the chosen event (key null when empty). */
  static final class Acc {
    Object key;
    Object value;
    EventPosition position;
  }

  private final boolean max;
  private final ValueType keyType;
  private final ValueType valueType;

  ArgExtremumFunction(boolean max, ValueType keyType, ValueType valueType) {
    this.max = max;
    this.keyType = keyType;
    this.valueType = valueType;
  }

  @Override
  public String name() {
    return max ? "argmax" : "argmin";
  }

  @Override
  public ValueType resultType() {
    return valueType;
  }

  @Override
  public Acc createAccumulator() {
    return new Acc();
  }

  /**
   * @return true iff (key, position) beats the accumulator's event
   */
  private boolean beats(Object key, EventPosition position, Acc acc) {
    if (acc.key == null) {
      return true;
    }
    int c = Codecs.order(keyType).compare(key, acc.key);
    if (!max) {
      c = -c;
    }
    return c > 0 || (c == 0 && position.compareTo(acc.position) < 0);
  }

  @Override
  public Acc add(Acc acc, Object input, EventPosition position) {
    if (input == null) {
      return acc;
    }
    if (!(input instanceof KeyedValue kv)) {
      throw new IllegalArgumentException(
          name() + " takes a KeyedValue input, not " + input.getClass().getSimpleName());
    }
    if (kv.key() == null) {
      return acc;
    }
    if (position == null) {
      throw new IllegalArgumentException(name() + " needs the event position of every input");
    }
    if (beats(kv.key(), position, acc)) {
      acc.key = kv.key();
      acc.value = kv.value();
      acc.position = position;
    }
    return acc;
  }

  @Override
  public Acc merge(Acc into, Acc other) {
    if (other.key != null && beats(other.key, other.position, into)) {
      into.key = other.key; // keys, values and positions are immutable: sharing them is safe
      into.value = other.value;
      into.position = other.position;
    }
    return into;
  }

  @Override
  public Object getResult(Acc acc) {
    return acc.value;
  }

  @Override
  public boolean isEmpty(Acc acc) {
    return acc.key == null;
  }

  @Override
  public void encode(Acc acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    if (acc.key == null) {
      out.writeByte(0);
      return;
    }
    out.writeByte(1);
    Codecs.writeValue(out, keyType, acc.key);
    if (acc.value == null) {
      out.writeByte(0);
    } else {
      out.writeByte(1);
      Codecs.writeValue(out, valueType, acc.value);
    }
    Codecs.writePosition(out, acc.position);
  }

  @Override
  public Acc decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name());
    Acc acc = new Acc();
    int presence = in.readByte();
    if (presence == 0) {
      return acc;
    }
    if (presence != 1) {
      throw new CorruptDataException(
          "Corrupt " + name() + " accumulator: presence byte " + presence);
    }
    acc.key = Codecs.readValue(in, keyType);
    int valuePresence = in.readByte();
    if (valuePresence == 1) {
      acc.value = Codecs.readValue(in, valueType);
    } else if (valuePresence != 0) {
      throw new CorruptDataException(
          "Corrupt " + name() + " accumulator: value presence byte " + valuePresence);
    }
    acc.position = Codecs.readPosition(in, name());
    return acc;
  }
}
