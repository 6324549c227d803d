package dev.slicestore.spark;

import dev.slicestore.core.config.FeatureSet;
import dev.slicestore.core.event.BadRecordException;
import dev.slicestore.core.event.JsonEventParser;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Executor-side, row-level parse of Kafka records (the Kafka source's rows: key, value, topic,
 * partition, offset, timestamp) into the feature set's typed payload columns plus metadata columns.
 * A record that cannot be parsed keeps its coordinates and raw value and gets a reject reason; it
 * is never dropped here.
 *
 * <p>Serializable; one instance is shipped to every task. Not thread-safe per call, as Spark uses
 * it.
 */
final class ParseEvents implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;
  private final JsonEventParser parser;
  private final List<String> topics;

  ParseEvents(FeatureSet featureSet) {
    this.parser = new JsonEventParser(featureSet.schema());
    this.topics = featureSet.topics();
  }

  /**
   * @return the output schema: metadata columns, then the payload fields in schema order
   */
  static StructType outputSchema(FeatureSet featureSet) {
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField(EventColumns.TOPIC_INDEX, DataTypes.IntegerType, false));
    fields.add(DataTypes.createStructField(EventColumns.PARTITION, DataTypes.IntegerType, false));
    fields.add(DataTypes.createStructField(EventColumns.OFFSET, DataTypes.LongType, false));
    fields.add(DataTypes.createStructField(EventColumns.TIMESTAMP_MS, DataTypes.LongType, false));
    fields.add(DataTypes.createStructField(EventColumns.KEY, DataTypes.BinaryType, true));
    fields.add(DataTypes.createStructField(EventColumns.VALUE, DataTypes.BinaryType, true));
    fields.add(DataTypes.createStructField(EventColumns.REJECT_REASON, DataTypes.StringType, true));
    fields.add(
        DataTypes.createStructField(EventColumns.REJECT_MESSAGE, DataTypes.StringType, true));
    SparkTypes.addColumns(fields, featureSet.schema());
    return DataTypes.createStructType(fields);
  }

  @Override
  public Iterator<Row> call(Iterator<Row> input) {
    int n = parser.fields().size();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return input.hasNext();
      }

      @Override
      public Row next() {
        Row r = input.next();
        byte[] key = (byte[]) r.get(0);
        byte[] value = (byte[]) r.get(1);
        String topic = r.getString(2);
        int partition = r.getInt(3);
        long offset = r.getLong(4);
        Timestamp ts = r.getTimestamp(5);
        Object[] out = new Object[8 + n];
        out[0] = Math.max(0, topics.indexOf(topic));
        out[1] = partition;
        out[2] = offset;
        out[3] = ts == null ? -1L : ts.getTime();
        out[4] = key;
        out[5] = value;
        try {
          Object[] values = parser.parse(decodeUtf8(value));
          System.arraycopy(values, 0, out, 8, n);
        } catch (BadRecordException e) {
          out[6] = e.reason().code();
          out[7] = e.getMessage();
        }
        return RowFactory.create(out);
      }
    };
  }

  private static String decodeUtf8(byte[] value) throws BadRecordException {
    if (value == null) {
      return null;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(value))
          .toString();
    } catch (CharacterCodingException e) {
      throw new BadRecordException(
          dev.slicestore.core.event.RejectReason.MALFORMED_JSON, "value is not valid UTF-8");
    }
  }
}
