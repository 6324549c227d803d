package dev.slicestore.core.online;

import static dev.slicestore.core.online.OnlineFormatV1Test.GOLDEN;
import static dev.slicestore.core.online.OnlineFormatV1Test.SLICE_START;
import static dev.slicestore.core.online.OnlineFormatV1Test.accumulators;
import static dev.slicestore.core.online.OnlineFormatV1Test.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slicestore.core.codec.CorruptDataException;
import dev.slicestore.core.time.Sessions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden bytes of version 2 of the compacted entry (with the earliest event time, for session
 * windows), written by hand from the layout in {@link CompactedEntry}'s Javadoc, and how version-1
 * entries read now.
 */
class OnlineFormatV2Test {
  @Test
  void compactedEntryVersion2GoldenBytes() {
    // two events (1.5 at +10 ms, 2.5 at +100 ms), partition 3 offsets [10, 12)
    CompactedEntry two =
        new CompactedEntry(
            2,
            SLICE_START + 10,
            SLICE_START + 100,
            List.of(new CoveredRange(0, 3, 10, 12)),
            accumulators(1.5, 2.5));
    OnlineFormatV1Test.assertCompactedGolden(
        two,
        bytes(
            0x02, // format version
            0x02, // event count
            0x64, // latest event time - slice start = 100
            0x0A, // earliest event time - slice start = 10
            0x01, // one covered range
            0x00, 0x03, 0x0A, 0x02, // topic 0, partition 3, first 10, length 2
            0x03, // three accumulators
            0x02, 0x01, 0x02, // count: version 1, 2
            0x07, 0x01, 0x02, 0x01, 0x00, 0x04, 0x01, 0x01, // sum 4.0
            0x0A, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0x04, 0x40)); // max 2.5
    // earliest = latest = 1 h - 1 ms after the slice start (varint FF DC DB 01 = 3 599 999)
    CompactedEntry last =
        new CompactedEntry(
            1, SLICE_START + 3_599_999, SLICE_START + 3_599_999, List.of(), accumulators(7.0));
    byte[] encoded = last.encode(GOLDEN, SLICE_START);
    assertThat(java.util.Arrays.copyOf(encoded, 10))
        .isEqualTo(bytes(0x02, 0x01, 0xFF, 0xDC, 0xDB, 0x01, 0xFF, 0xDC, 0xDB, 0x01));
    assertThat(CompactedEntry.decode(encoded, GOLDEN, SLICE_START))
        .usingRecursiveComparison()
        .ignoringFields("accumulators")
        .isEqualTo(last);
  }

  @Test
  void version1EntriesKeepDecodingAndKnowTheirEarliestTimeOnlyForOneEvent() {
    // version 1 (no earliest time): two events, latest at +100 ms
    byte[] v1two =
        bytes(
            0x01, 0x02, 0x64, 0x01, 0x00, 0x03, 0x0A, 0x02, 0x03, 0x02, 0x01, 0x02, 0x07, 0x01,
            0x02, 0x01, 0x00, 0x04, 0x01, 0x01, 0x0A, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0x04, 0x40);
    CompactedEntry two = CompactedEntry.decode(v1two, GOLDEN, SLICE_START);
    assertThat(two.hasMinEventTime()).isFalse();
    assertThat(two.minEventTimeMillis()).isEqualTo(Sessions.UNKNOWN);
    assertThat(two.maxEventTimeMillis()).isEqualTo(SLICE_START + 100);
    assertThat(two.encode(GOLDEN, SLICE_START))
        .as("re-encoded as it was: version 1")
        .isEqualTo(v1two);
    // version 1, one event (count 1, sum 2.5, max 2.5) at +100 ms: its earliest time is its latest
    byte[] v1one =
        bytes(
            0x01, 0x01, 0x64, 0x00, 0x03, 0x02, 0x01, 0x01, 0x07, 0x01, 0x01, 0x01, 0x00, 0x02,
            0x01, 0x05, 0x0A, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0x04, 0x40);
    CompactedEntry one = CompactedEntry.decode(v1one, GOLDEN, SLICE_START);
    assertThat(one.minEventTimeMillis()).isEqualTo(SLICE_START + 100);
    assertThat(one.encode(GOLDEN, SLICE_START)[0])
        .as("now known: written as version 2")
        .isEqualTo((byte) 2);
  }

  @Test
  void anEarliestTimeAfterTheLatestIsCorrupt() {
    byte[] bad =
        bytes(
            0x02, 0x02, 0x0A, 0x64, 0x00, 0x03, 0x02, 0x01, 0x02, 0x07, 0x01, 0x02, 0x01, 0x00,
            0x04, 0x01, 0x01, 0x0A, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 0x04, 0x40);
    assertThatThrownBy(() -> CompactedEntry.decode(bad, GOLDEN, SLICE_START))
        .isInstanceOf(CorruptDataException.class)
        .hasMessageContaining("earliest event time");
  }
}
