package dev.strangler.sync.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What one source datasource's capture engine uses, shared by every pipeline reading that source:
 * one replication slot, one publication, one heartbeat interval. Set on the datasource
 * ({@code datasources.<name>.slot-name|publication-name|heartbeat-interval}); the same properties on
 * a pipeline still work but must agree with the datasource's and with the other pipelines of the
 * source, else start-up stops naming the properties.
 *
 * @param datasource the source datasource's name
 * @param slotName its replication slot
 * @param publicationName its publication
 * @param heartbeatInterval Debezium's heartbeat interval; zero: none
 */
public record SourceSettings(String datasource, String slotName, String publicationName, Duration heartbeatInterval) {

  public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(5);

  /**
   * Resolves the settings of one source.
   *
   * @param datasource the source's name
   * @param config the source's configuration (null if unknown)
   * @param pipelines the pipelines reading it, by name
   * @param problems where disagreements are reported, each naming the properties
   * @return the settings, defaults where nothing is set
   */
  public static SourceSettings resolve(String datasource, SyncProperties.Datasource config,
                                       Map<String, SyncProperties.Pipeline> pipelines, List<String> problems) {
    String slot = pick(datasource, config == null ? null : config.slotName(), pipelines,
        SyncProperties.Pipeline::slotName, "slot-name", problems);
    String publication = pick(datasource, config == null ? null : config.publicationName(), pipelines,
        SyncProperties.Pipeline::publicationName, "publication-name", problems);
    Duration heartbeat = pick(datasource, config == null ? null : config.heartbeatInterval(), pipelines,
        SyncProperties.Pipeline::heartbeatInterval, "heartbeat-interval", problems);
    return new SourceSettings(datasource,
        slot == null ? SyncProperties.defaultSlotName(datasource, config == null ? null : config.url()) : slot,
        publication == null ? SyncProperties.defaultPublicationName(datasource) : publication,
        heartbeat == null ? DEFAULT_HEARTBEAT : heartbeat);
  }

  private static <T> T pick(String datasource, T own, Map<String, SyncProperties.Pipeline> pipelines,
                            Function<SyncProperties.Pipeline, T> property, String name, List<String> problems) {
    T chosen = own;
    String chosenFrom = own == null ? null : "strangler.sync.datasources." + datasource + "." + name;
    for (Map.Entry<String, SyncProperties.Pipeline> pipeline : new TreeMap<>(pipelines).entrySet()) {
      T value = property.apply(pipeline.getValue());
      if (value == null) {
        continue;
      }
      String from = "strangler.sync.pipelines." + pipeline.getKey() + "." + name;
      if (chosen == null) {
        chosen = value;
        chosenFrom = from;
      } else if (!Objects.equals(chosen, value)) {
        problems.add(from + " (" + value + ") differs from " + chosenFrom + " (" + chosen + "): every pipeline of "
            + "source '" + datasource + "' shares one capture engine, so one " + name + "; set it once as "
            + "strangler.sync.datasources." + datasource + "." + name);
      }
    }
    return chosen;
  }
}
