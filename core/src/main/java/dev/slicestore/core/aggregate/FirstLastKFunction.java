package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;

/**
 * {@code first_k} and {@code last_k}: the non-null input values of the {@code k} earliest (latest)
 * events by {@link EventPosition} — event time, then topic index, partition and offset, so ties in
 * event time are broken the same way on every path and every merge order gives the same result. Any
 * input type. Null inputs are ignored (the event does not take a place).
 *
 * <p>Result: {@link ResultType.Kind#LIST} of the input type, in event-time order (oldest first) for
 * both functions, at most {@code k} elements; an empty window gives the empty list.
 *
 * <p>Parameter {@code k}: 1 to 1000 (required). {@code add} needs the event's position and throws
 * {@link IllegalArgumentException} for a non-null value without one.
 *
 * <p>Space: at most {@code k} entries of position (zigzag event time, topic index, partition,
 * varint offset: typically 6 + 1 + 1 + 3–5 bytes) and value (as in {@code top_k}); about {@code 2 +
 * k·(20 + value)} bytes, {@code 2 + k·30} for longs.
 *
 * <p>Binary form (version 1): version byte, varint number of entries, then per entry in position
 * order: zigzag event time, zigzag topic index, zigzag partition, zigzag offset, the value.
 * Decoding checks the order and keeps at most {@code k} entries.
 */
final class FirstLastKFunction implements AggregateFunction<FirstLastKFunction.Acc> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  /** One kept event. */
  record Entry(EventPosition position, Object value) {}

  /** Mutable: the kept events in position order (oldest first), at most k. */
  static final class Acc {
    final ArrayList<Entry> entries = new ArrayList<>();
  }

  private static final Comparator<Entry> BY_POSITION = Comparator.comparing(Entry::position);

  private final boolean last;
  private final ValueType inputType;
  private final int k;

  FirstLastKFunction(boolean last, ValueType inputType, int k) {
    this.last = last;
    this.inputType = inputType;
    this.k = k;
  }

  @Override
  public String name() {
    return last ? "last_k" : "first_k";
  }

  @Override
  public ValueType resultType() {
    return inputType;
  }

  @Override
  public ResultType result() {
    return ResultType.list(inputType);
  }

  @Override
  public Acc createAccumulator() {
    return new Acc();
  }

  @Override
  public Acc add(Acc acc, Object value, EventPosition position) {
    if (value == null) {
      return acc;
    }
    if (position == null) {
      throw new IllegalArgumentException(name() + " needs the event position of every value");
    }
    if (value instanceof Double d && d.isNaN()) {
      value = Double.NaN;
    }
    insert(acc, new Entry(position, value));
    return acc;
  }

  private void insert(Acc acc, Entry e) {
    List<Entry> es = acc.entries;
    if (es.size() == k) {
      // full: an entry must be newer than the oldest (last_k) or older than the newest (first_k)
      if (last
          ? BY_POSITION.compare(e, es.get(0)) <= 0
          : BY_POSITION.compare(e, es.get(k - 1)) >= 0) {
        return;
      }
    }
    int i = Collections.binarySearch(es, e, BY_POSITION);
    if (i >= 0) {
      return; // the same event (same Kafka coordinates) is counted once
    }
    es.add(-i - 1, e);
    if (es.size() > k) {
      es.remove(last ? 0 : es.size() - 1);
    }
  }

  @Override
  public Acc merge(Acc into, Acc other) {
    for (Entry e : other.entries) { // entries are immutable records: sharing them is safe
      insert(into, e);
    }
    return into;
  }

  @Override
  public Object getResult(Acc acc) {
    List<Object> out = new ArrayList<>(acc.entries.size());
    for (Entry e : acc.entries) {
      out.add(e.value());
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public Object emptyResult() {
    return List.of();
  }

  @Override
  public boolean isEmpty(Acc acc) {
    return acc.entries.isEmpty();
  }

  @Override
  public void encode(Acc acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    out.writeVarLong(acc.entries.size());
    for (Entry e : acc.entries) {
      Codecs.writePosition(out, e.position());
      Codecs.writeValue(out, inputType, e.value());
    }
  }

  @Override
  public Acc decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name());
    int n = in.readVarInt();
    Acc acc = new Acc();
    List<Entry> read = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Entry e = new Entry(Codecs.readPosition(in, name()), Codecs.readValue(in, inputType));
      if (!read.isEmpty() && BY_POSITION.compare(read.get(read.size() - 1), e) >= 0) {
        throw new CorruptDataException(
            "Corrupt " + name() + " accumulator: entries not in position order at " + i);
      }
      read.add(e);
    }
    int from = last ? Math.max(0, read.size() - k) : 0;
    int to = last ? read.size() : Math.min(k, read.size());
    acc.entries.addAll(read.subList(from, to));
    return acc;
  }
}
