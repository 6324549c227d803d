package dev.slicestore.quickstart;

import dev.slicestore.compaction.CompactionJob;
import dev.slicestore.ingest.OnlineIngestJob;
import dev.slicestore.localstack.StackCommand;
import dev.slicestore.quickstart.replay.ReplayCommand;
import dev.slicestore.serving.GetFeaturesCommand;
import dev.slicestore.serving.ListFeatureSetsCommand;
import dev.slicestore.serving.ServeCommand;
import dev.slicestore.training.TrainingSetJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/slicestore}: one launcher for the local stack, event replay, online-ingest,
 * compaction, serving, the feature client and the quickstart. Each subcommand is the same class its
 * module uses on its own ({@code ingest}, {@code compact} and {@code training-set} are the main
 * classes {@code spark-submit} runs).
 */
@Command(
    name = "slicestore",
    mixinStandardHelpOptions = true,
    version = "slicestore 0.1.0",
    description =
        "Streaming-aggregation feature store: stream slicing over Kafka, Spark and Redis.",
    subcommands = {
      QuickstartCommand.class,
      StackCommand.class,
      ReplayCommand.class,
      OnlineIngestJob.class,
      CompactionJob.class,
      TrainingSetJob.class,
      ServeCommand.class,
      GetFeaturesCommand.class,
      ListFeatureSetsCommand.class,
      CommandLine.HelpCommand.class
    })
public final class SlicestoreCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Entry point of {@code bin/slicestore}. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new SlicestoreCli()).execute(args));
  }
}
