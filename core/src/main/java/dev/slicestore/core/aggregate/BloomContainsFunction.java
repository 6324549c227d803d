package dev.slicestore.core.aggregate;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import dev.slicestore.core.codec.CorruptDataException;
import java.util.Comparator;
import java.util.TreeSet;
import org.apache.datasketches.filters.bloomfilter.BloomFilter;
import org.apache.datasketches.filters.bloomfilter.BloomFilterBuilder;
import org.apache.datasketches.memory.Memory;

/**
 * {@code bloom_contains}: a set-membership summary of the window's non-null values of any input
 * type, tested at request time with {@link #mightContain}. Apache DataSketches' {@link BloomFilter}
 * (Bloom, <i>Space/time trade-offs in hash coding with allowable errors</i>, CACM 1970;
 * DataSketches hashes with XXHash64 and a fixed seed, {@value #SEED}), sized by {@link
 * BloomFilterBuilder#suggestNumFilterBits} and {@link BloomFilterBuilder#suggestNumHashes} for the
 * parameters. Null inputs are ignored; {@code mightContain(acc, null)} is false.
 *
 * <p>Parameters: {@code expected-items}, 1 to 10,000,000 (required), and {@code
 * false-positive-rate}, greater than 0 and at most 0.5 (required). The filter (of m bits) may take
 * at most 8 MiB; larger combinations are rejected.
 *
 * <h2>Sparse, then a filter</h2>
 *
 * A row pre-aggregate must stay small (one per event in Redis), so while the distinct values would
 * encode smaller than a quarter of the filter the accumulator keeps the values themselves (exact:
 * no false positives); past that it becomes the DataSketches filter with every value inserted. The
 * switch depends only on the set of distinct values, and a filter is the bitwise OR of its values'
 * bits, so the state and every answer are the same in every merge order. Merging two filters is
 * {@link BloomFilter#union} (bitwise OR; both have this function's parameters).
 *
 * <h2>Answers</h2>
 *
 * {@link #mightContain} never answers false for a value that was added. For a value that was not
 * added it answers true with probability about {@code (1 - e^(-h·n/m))^h} for n distinct values, h
 * hashes, m bits: at most {@code false-positive-rate} while n <= expected-items, growing past it.
 * In the sparse state it is exact.
 *
 * <h2>Features: answered with request context</h2>
 *
 * A {@code bloom_contains} feature is a question about a value the caller supplies at request time
 * ({@link #usesRequestContext()}): "might this entity's window contain the context value?" Its
 * values ({@link #featureResult()}, {@link #getFeatureResult}) are {@code boolean}: the answer of
 * {@link #mightContain} on the window's merged accumulator; null for an empty window (status EMPTY)
 * and for an explicitly null context value. The feature's context key is named by the aggregation
 * ({@code context = merchant}, default: the input column's name); serving takes the value from
 * {@code GetFeaturesRequest} context, training from the spine column of that name.
 *
 * <p>Context-free result ({@code getResult}, the offline slices table's column): {@code long}, the
 * number of distinct values: exact in the sparse state, estimated from the number X of set bits as
 * {@code -(m/h)·ln(1 - X/m)} in the filter state (Swamidass and Baldi, <i>Mathematical correction
 * for fingerprint similarity measures to improve chemical retrieval</i>, J. Chem. Inf. Model.
 * 2007). An empty slice gives 0.
 *
 * <p>Space: sparse at most a quarter of the filter's bits / 8 bytes plus one value; the filter is
 * DataSketches' serialization, about {@code m/8 + 32} bytes: {@code 1.44·log2(1/p)} bits per
 * expected item, e.g. 12 KB for 10,000 items at 1 %.
 *
 * <p>Binary form (version 1): version byte, state byte; state 0 (sparse): varint number of values
 * and the values in strictly increasing order (the {@code min}/{@code max} order); state 1
 * (filter): varint length and {@code BloomFilter.toByteArray()}.
 */
public final class BloomContainsFunction implements AggregateFunction<BloomContainsFunction.Acc> {
  private static final long serialVersionUID = 1L;
  private static final int SERIAL_VERSION = 1;

  /** The hash seed of every filter: filters merge only with equal seeds. */
  public static final long SEED = 9001L;

  private static final long MAX_BITS = 8L * 8 * 1024 * 1024;

  /** Mutable: the distinct values (sparse) or, once too many, the filter. Exactly one is set. */
  public static final class Acc {
    TreeSet<Object> values;
    long sparseBytes;
    BloomFilter filter;
  }

  private final ValueType inputType;
  private final long numBits;
  private final short numHashes;

  BloomContainsFunction(ValueType inputType, long expectedItems, double falsePositiveRate) {
    this.inputType = inputType;
    long bits = BloomFilterBuilder.suggestNumFilterBits(expectedItems, falsePositiveRate);
    if (bits > MAX_BITS) {
      throw new IllegalArgumentException(
          "Bad parameters expected-items = "
              + expectedItems
              + ", false-positive-rate = "
              + falsePositiveRate
              + " for function bloom_contains: the filter would take "
              + (bits / 8 / 1024)
              + " KiB, more than the 8 MiB allowed; lower expected-items or raise false-positive-rate");
    }
    this.numHashes = BloomFilterBuilder.suggestNumHashes(expectedItems, bits);
    this.numBits =
        BloomFilterBuilder.createBySize(bits, numHashes, SEED)
            .getCapacity(); // rounded up by the library
  }

  /**
   * @return the filter's size in bits (m)
   */
  long numBits() {
    return numBits;
  }

  /**
   * @return the number of hash functions (h)
   */
  int numHashes() {
    return numHashes;
  }

  @Override
  public String name() {
    return "bloom_contains";
  }

  @Override
  public ValueType resultType() {
    return ValueType.LONG;
  }

  /**
   * @return true: features answer "might the window contain the request's context value?"
   */
  @Override
  public boolean usesRequestContext() {
    return true;
  }

  /**
   * @return {@code boolean}: the answer of {@link #mightContain}
   */
  @Override
  public ResultType featureResult() {
    return ResultType.scalar(ValueType.BOOLEAN);
  }

  /**
   * @param acc the window's accumulator, not modified
   * @param contextValue the value to test, of the input type, or null
   * @return null for an empty window or a null value, else {@link #mightContain}
   */
  @Override
  public Object getFeatureResult(Acc acc, Object contextValue) {
    if (isEmpty(acc) || contextValue == null) {
      return null;
    }
    return mightContain(acc, contextValue);
  }

  /**
   * @return the input column's type: the type a context value must have
   */
  public ValueType inputType() {
    return inputType;
  }

  private Comparator<Object> order() {
    return Codecs.order(inputType);
  }

  @Override
  public Acc createAccumulator() {
    Acc acc = new Acc();
    acc.values = new TreeSet<>(order());
    return acc;
  }

  private static int encodedSize(Object v) {
    if (v instanceof String s) {
      return 2 + s.length() * 3; // an upper bound of the UTF-8 length + prefix
    }
    return v instanceof Boolean ? 1 : 10;
  }

  private void insert(BloomFilter filter, Object v) {
    if (v instanceof String s) {
      filter.update(Codecs.hashBytes(s));
    } else {
      filter.update(Codecs.hashLong(v));
    }
  }

  private BloomFilter newFilter() {
    return BloomFilterBuilder.createBySize(numBits, numHashes, SEED);
  }

  @Override
  public Acc add(Acc acc, Object value, EventPosition position) {
    if (value == null) {
      return acc;
    }
    if (value instanceof Double d && d.isNaN()) {
      value = Double.NaN;
    }
    if (acc.filter != null) {
      insert(acc.filter, value);
      return acc;
    }
    if (acc.values.add(value)) {
      acc.sparseBytes += encodedSize(value);
      if (acc.sparseBytes > numBits / 32) { // a quarter of the filter's bytes
        BloomFilter f = newFilter();
        for (Object v : acc.values) {
          insert(f, v);
        }
        acc.filter = f;
        acc.values = null;
        acc.sparseBytes = 0;
      }
    }
    return acc;
  }

  @Override
  public Acc merge(Acc into, Acc other) {
    if (other.filter == null) {
      for (Object v : other.values) { // values are immutable
        into = add(into, v, null);
      }
      return into;
    }
    if (into.filter == null) {
      BloomFilter copy = BloomFilter.heapify(Memory.wrap(other.filter.toByteArray()));
      for (Object v : into.values) {
        insert(copy, v);
      }
      into.filter = copy;
      into.values = null;
      into.sparseBytes = 0;
      return into;
    }
    into.filter.union(other.filter); // bitwise OR; reads other only
    return into;
  }

  /**
   * Tests a value against a (merged) accumulator.
   *
   * @param acc the accumulator, not modified
   * @param value a value of the input type, or null
   * @return false if {@code value} was certainly not added; true if it was, or (in the filter
   *     state, with about the documented false-positive rate) if it was not
   * @throws ClassCastException if {@code value} is not of the input type
   */
  public boolean mightContain(Acc acc, Object value) {
    if (value == null) {
      return false;
    }
    if (value instanceof Double d && d.isNaN()) {
      value = Double.NaN;
    }
    if (acc.filter == null) {
      return acc.values.contains(value);
    }
    return value instanceof String s
        ? acc.filter.query(Codecs.hashBytes(s))
        : acc.filter.query(Codecs.hashLong(value));
  }

  @Override
  public Object getResult(Acc acc) {
    if (acc.filter == null) {
      return (long) acc.values.size();
    }
    double m = acc.filter.getCapacity();
    double x = acc.filter.getBitsUsed();
    if (x >= m) {
      return Long.MAX_VALUE;
    }
    return Math.round(-(m / acc.filter.getNumHashes()) * Math.log1p(-x / m));
  }

  @Override
  public Object emptyResult() {
    return 0L;
  }

  @Override
  public boolean isEmpty(Acc acc) {
    return acc.filter == null ? acc.values.isEmpty() : acc.filter.isEmpty();
  }

  @Override
  public void encode(Acc acc, ByteWriter out) {
    out.writeByte(SERIAL_VERSION);
    if (acc.filter == null) {
      out.writeByte(0);
      Codecs.writeValues(out, inputType, acc.values);
    } else {
      out.writeByte(1);
      // the library's serialization holds a cached count of set bits, -1 ("unknown") after an
      // update; a union into an empty filter counts them, so equal filters encode to equal bytes
      BloomFilter canonical = newFilter();
      canonical.union(acc.filter);
      out.writeBytes(canonical.toByteArray());
    }
  }

  @Override
  public Acc decode(ByteReader in) {
    Codecs.checkVersion(in, SERIAL_VERSION, name());
    int state = in.readByte();
    Acc acc = createAccumulator();
    if (state == 0) {
      for (Object v : Codecs.readOrderedValues(in, inputType, order(), true, name())) {
        acc = add(acc, v, null);
      }
      return acc;
    } else if (state != 1) {
      throw new CorruptDataException("Corrupt bloom_contains accumulator: state byte " + state);
    }
    byte[] bytes = in.readBytes();
    BloomFilter f = Codecs.sketch(name(), () -> BloomFilter.heapify(Memory.wrap(bytes)));
    if (f.getCapacity() != numBits || f.getNumHashes() != numHashes || f.getSeed() != SEED) {
      throw new CorruptDataException(
          "Corrupt bloom_contains accumulator: filter of "
              + f.getCapacity()
              + " bits, "
              + f.getNumHashes()
              + " hashes, seed "
              + f.getSeed()
              + " where the function has "
              + numBits
              + " bits, "
              + numHashes
              + " hashes, seed "
              + SEED);
    }
    acc.values = null;
    acc.filter = f;
    return acc;
  }
}
