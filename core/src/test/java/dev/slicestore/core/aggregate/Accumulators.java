package dev.slicestore.core.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.slicestore.core.codec.ByteReader;
import dev.slicestore.core.codec.ByteWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * What the aggregate tests do with accumulators: serialize them, pass them through their
 * serialization, and merge rows spread over random slices in a random merge tree.
 */
final class Accumulators {

  private Accumulators() {}

  /**
   * @return the accumulator's serialization
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static byte[] encode(AggregateFunction f, Object acc) {
    ByteWriter out = new ByteWriter();
    f.encode(acc, out);
    return out.toByteArray();
  }

  /**
   * @return the accumulator decoded from its serialization, asserting the decoder reads every byte
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Object roundTrip(AggregateFunction f, Object acc) {
    ByteReader in = new ByteReader(encode(f, acc));
    Object decoded = f.decode(in);
    assertThat(in.atEnd()).as("decode read every byte").isTrue();
    return decoded;
  }

  /**
   * The result of a random merge tree, and each accumulator it took as the other argument of a
   * merge, with that accumulator's serialization at the time.
   */
  record Merged(Object result, List<Object> others, List<byte[]> otherBytes) {

    /**
     * Asserts that every other argument still serializes as it did when it was merged: the result
     * shares no state with the accumulators merged into it.
     */
    void assertOthersUnchanged(AggregateFunction<?> f, String ctx) {
      for (int i = 0; i < others.size(); i++) {
        assertThat(encode(f, others.get(i)))
            .as("merge result shares state with other #%d; %s", i, ctx)
            .isEqualTo(otherBytes.get(i));
      }
    }
  }

  /**
   * Adds row {@code i} ({@code values.get(i)} at {@code positions.get(i)}), in a random order, to
   * one of 1 to 12 accumulators (slices) drawn at random, passes each slice through its
   * serialization or not at random, then merges two slices drawn at random until one is left,
   * asserting that a merge does not change its other argument, and passing one merge result in
   * three through its serialization.
   *
   * @param ctx what the trial is, for the messages
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static Merged mergeAtRandom(
      AggregateFunction f, List<?> values, List<EventPosition> positions, Random r, String ctx) {
    int n = values.size();
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    Collections.shuffle(order, r);
    int slices = 1 + r.nextInt(Math.max(1, Math.min(12, n + 2)));
    List<Object> accs = new ArrayList<>();
    for (int s = 0; s < slices; s++) {
      accs.add(f.createAccumulator());
    }
    for (int i : order) {
      int s = r.nextInt(slices);
      accs.set(s, f.add(accs.get(s), values.get(i), positions.get(i)));
    }
    for (int s = 0; s < slices; s++) {
      if (r.nextBoolean()) {
        accs.set(s, roundTrip(f, accs.get(s)));
      }
    }
    List<Object> others = new ArrayList<>();
    List<byte[]> otherBytes = new ArrayList<>();
    while (accs.size() > 1) {
      Object into = accs.remove(r.nextInt(accs.size()));
      Object other = accs.remove(r.nextInt(accs.size()));
      byte[] before = encode(f, other);
      Object merged = f.merge(into, other);
      assertThat(encode(f, other))
          .as("merge mutated its other argument; %s", ctx)
          .isEqualTo(before);
      others.add(other);
      otherBytes.add(before);
      if (r.nextInt(3) == 0) {
        merged = roundTrip(f, merged);
      }
      accs.add(merged);
    }
    return new Merged(accs.get(0), others, otherBytes);
  }
}
