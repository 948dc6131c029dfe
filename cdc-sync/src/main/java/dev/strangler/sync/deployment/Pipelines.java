package dev.strangler.sync.deployment;

import dev.strangler.sync.apply.Applier;
import dev.strangler.sync.capture.AppliedTransactions;
import dev.strangler.sync.capture.CaptureEngine;
import dev.strangler.sync.capture.CaptureLeases;
import dev.strangler.sync.capture.ConnectCapture;
import dev.strangler.sync.capture.ControlDatabase;
import dev.strangler.sync.capture.Fence;
import dev.strangler.sync.config.SourceSettings;
import dev.strangler.sync.config.SyncDatasources;
import dev.strangler.sync.config.SyncProperties;
import dev.strangler.sync.keys.KeyRange;
import dev.strangler.sync.keys.KeyRanges;
import dev.strangler.sync.mapping.InvalidPipelineException;
import dev.strangler.sync.mapping.MappingCompiler;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.mapping.TargetTables;
import dev.strangler.sync.pipeline.Pipeline;
import dev.strangler.sync.pipeline.PipelineState;
import dev.strangler.sync.pipeline.PipelineStateException;
import dev.strangler.sync.pipeline.PipelineStats;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * All configured pipelines. Construction validates every enabled pipeline against the live
 * catalogs (start-up fails naming pipeline, table and column) and the per-source capture settings
 * (naming the properties that disagree); {@link #start()} creates the topics, then starts each
 * pipeline's applier and one capture engine per source datasource, shared by the source's pipelines.
 */
@Component
public class Pipelines implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(Pipelines.class);

  /** how often an instance follows the pauses and resumes asked of the others */
  static final long FOLLOW_PAUSES_MILLIS = 500;
  private final Map<String, Running> pipelines = new TreeMap<>();
  /** partitions of each pipeline's table topics, as configured */
  private final Map<String, Integer> partitions = new TreeMap<>();
  /** one capture engine per source datasource */
  private final Map<String, CaptureEngine> engines = new TreeMap<>();
  /** the sources Kafka Connect captures ({@code capture: connect}): their engines never start */
  private final Map<String, ConnectCapture> connects = new TreeMap<>();
  /** which instance captures each source */
  private final CaptureLeases leases;
  /** this instance's row in the deployment's list of instances */
  private final InstanceHeartbeat heartbeat;
  private final KafkaAdmin kafkaAdmin;
  private final ControlDatabase control;
  private final SyncDatasources datasources;
  private final KeyRanges keyRanges;
  private final TargetTables targetTables;
  private final JsonMapper json;
  private java.util.concurrent.ScheduledExecutorService sampler;
  private org.apache.kafka.clients.admin.Admin kafkaClient;
  private volatile boolean running;

  /**
   * @param properties the configuration
   * @param datasources pools on the configured datasources
   * @param control the control database (offsets)
   * @param kafka the producer
   * @param consumers the consumer factory
   * @param kafkaAdmin its configuration connects the admin client that creates the topics
   * @param meters where the pipelines' meters go
   * @param json the JSON mapper
   * @param environment for the default instance name (host and management port)
   */
  public Pipelines(SyncProperties properties, SyncDatasources datasources, ControlDatabase control,
                   KafkaTemplate<String, String> kafka, ConsumerFactory<String, String> consumers, KafkaAdmin kafkaAdmin,
                   MeterRegistry meters, JsonMapper json, org.springframework.core.env.Environment environment) {
    this.kafkaAdmin = kafkaAdmin;
    this.control = control;
    this.datasources = datasources;
    this.json = json;
    MappingCompiler compiler = new MappingCompiler(datasources::dataSource);
    this.keyRanges = new KeyRanges(properties, datasources::dataSource);
    this.targetTables = new TargetTables(datasources::dataSource);
    List<String> problems = new ArrayList<>();
    Map<String, SourceSettings> settings = sourceSettings(properties, problems);
    Map<String, List<Pipeline>> bySource = new TreeMap<>();
    for (Map.Entry<String, SyncProperties.Pipeline> entry : new TreeMap<>(properties.pipelines()).entrySet()) {
      String name = entry.getKey();
      SyncProperties.Pipeline config = entry.getValue();
      for (String datasource : List.of(config.source(), config.target())) {
        if (!properties.datasources().containsKey(datasource)) {
          problems.add("strangler.sync.pipelines." + name + ": datasource '" + datasource
              + "' is not in strangler.sync.datasources (known: " + properties.datasources().keySet() + ")");
        }
      }
      if (!config.enabled()) {
        control.forgetSnapshots(name, null); // enabled again later, it is snapshotted again
      }
      if (!problems.isEmpty() || !config.enabled()) {
        Pipeline idle = new Pipeline(name, config, List.of(), new PipelineStats(name, meters));
        idle.capturedWith(settings.get(config.source()));
        pipelines.put(name, new Running(idle, null, null, null));
        continue;
      }
      try {
        List<TableMapping> mappings = compiler.compile(name, config);
        keyRanges.prepare(name, config, mappings, problems);
        Pipeline pipeline = new Pipeline(name, config, mappings, new PipelineStats(name, meters));
        pipeline.capturedWith(settings.get(config.source()));
        bySource.computeIfAbsent(config.source(), s -> new ArrayList<>()).add(pipeline);
        partitions.put(name, properties.partitionsOf(config));
        Applier applier = new Applier(pipeline, datasources.dataSource(config.target()), consumers, kafka, json,
            properties.partitionsOf(config), capturedByConnect(properties, config.target()) && writtenBack(properties, config),
            capturedByConnect(properties, config.source()) && writtenBack(properties, config)
                ? datasources.dataSource(config.source()) : null);
        pipelines.put(name, new Running(pipeline, null, applier, null));
      } catch (InvalidPipelineException e) {
        problems.add(e.getMessage());
      }
    }
    bySource.forEach((source, readers) -> connectModeProblems(properties, source, readers, problems));
    if (!problems.isEmpty()) {
      throw new InvalidPipelineException("cdc-sync configuration does not fit the databases:\n" + String.join("\n", problems));
    }
    pipelines.values().stream().map(Running::pipeline).filter(p -> !p.mappings().isEmpty())
        .forEach(p -> keyRanges.report(p.name(), p.config(), p.mappings()));
    // one capture engine per source datasource, shared by its pipelines
    bySource.forEach((source, readers) -> {
      CaptureEngine capture = new CaptureEngine(settings.get(source), readers, datasources.config(source),
          datasources.dataSource(source), control, kafka, p -> datasources.dataSource(p.config().target()),
          properties.initialSnapshot());
      engines.put(source, capture);
      ConnectCapture connect = properties.datasources().get(source).capture() == SyncProperties.Capture.CONNECT
          ? new ConnectCapture(capture, properties.datasources().get(source), json) : null;
      if (connect != null) {
        connects.put(source, connect);
      }
      readers.forEach(p -> pipelines.computeIfPresent(p.name(), (n, r) -> new Running(p, capture, r.applier(), connect)));
    });
    // only the embedded engines take leases: Kafka Connect decides who runs a connector's task
    leases = new CaptureLeases(control, properties.lease(),
        instanceId(properties.lease(), environment), engines.entrySet().stream()
        .filter(e -> !connects.containsKey(e.getKey())).map(Map.Entry::getValue).toList());
    // per instance: 1 where it captures the source (holds the lease), 0 where it stands by
    engines.forEach((source, engine) -> {
      if (!connects.containsKey(source)) {
        io.micrometer.core.instrument.Gauge.builder("strangler.sync.capture.owner", () -> leases.holds(engine) ? 1 : 0)
            .tag("source", source).tag("slot", engine.settings().slotName())
            .description("1 on the instance capturing the source, 0 on an instance standing by").register(meters);
      }
    });
    heartbeat = new InstanceHeartbeat(control, json, leases.instance(), this::report);
  }

  private static boolean capturedByConnect(SyncProperties properties, String datasource) {
    SyncProperties.Datasource config = properties.datasources().get(datasource);
    return config != null && config.capture() == SyncProperties.Capture.CONNECT;
  }

  /**
   * Whether an enabled pipeline goes the other way (from this pipeline's target into its source): then
   * changes may echo, and where Kafka Connect captures a side, its apply transactions are recorded
   * ({@code AppliedTransactions}) and looked up.
   */
  private static boolean writtenBack(SyncProperties properties, SyncProperties.Pipeline pipeline) {
    return properties.pipelines().values().stream().anyMatch(back -> back.enabled()
        && pipeline.target().equals(back.source()) && pipeline.source().equals(back.target()));
  }

  /**
   * What {@code capture: connect} needs of a source and its pipelines: a Connect REST URL (catch-up
   * reads the connector's offsets there), each source table mapped by one pipeline only (one
   * connector topic per table, renamed to that pipeline's topic).
   */
  private static void connectModeProblems(SyncProperties properties, String source, List<Pipeline> readers,
                                          List<String> problems) {
    SyncProperties.Datasource config = properties.datasources().get(source);
    if (config == null || config.capture() != SyncProperties.Capture.CONNECT) {
      return;
    }
    String property = "strangler.sync.datasources." + source + ".capture";
    if (config.connect().urls().isEmpty()) {
      problems.add("strangler.sync.datasources." + source + ".connect.urls: required with " + property
          + ": connect (catch-up reads the connector's committed offsets from the Connect REST API)");
    }
    Map<String, String> mappedBy = new TreeMap<>();
    for (Pipeline reader : readers) {
      for (TableMapping mapping : reader.mappings()) {
        String other = mappedBy.putIfAbsent(mapping.source().toString(), reader.name());
        if (other != null && !other.equals(reader.name())) {
          problems.add(property + " is connect, but table " + mapping.source() + " is mapped by pipelines " + other
              + " and " + reader.name() + ": the connector writes each table to one topic; map it in one pipeline "
              + "of source '" + source + "', or set " + property + ": embedded");
        }
      }
    }
  }

  /**
   * {@code strangler.sync.lease.instance-id}, else {@code <host>:<management port>}: a process
   * started again after a crash on the same port takes its leases back at once. With a random
   * port (0) the name is made unique, and a restarted instance waits for its old leases to expire.
   */
  static String instanceId(SyncProperties.Lease lease, org.springframework.core.env.Environment environment) {
    if (lease.instanceId() != null) {
      return lease.instanceId();
    }
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "localhost";
    }
    String port = environment.getProperty("management.server.port", environment.getProperty("server.port", "8080"));
    if ("0".equals(port) || "-1".equals(port)) {
      port = "pid" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
    }
    return host.replaceAll("[^A-Za-z0-9._-]", "_") + ":" + port;
  }

  /** The instance capturing the pipeline's source now (this one or another), or null when none does. */
  public String captureOwner(String name) {
    Running running = running(name);
    if (running.connect() != null) {
      return "kafka-connect:" + running.connect().connectorName();
    }
    return running.capture() == null ? null : leases.owner(running.capture());
  }

  /**
   * The deployment as the control database has it: who captures each source, what is paused, and
   * every instance with what it does.
   *
   * @param instance the instance answering
   * @param sources per source datasource, its slot and lease (null lease: never taken)
   * @param paused the pipelines paused on every instance
   * @param instances every instance whose heartbeat the control database has, live or gone
   */
  public record Deployment(String instance, List<Source> sources, Set<String> paused,
                           List<InstanceHeartbeat.Instance> instances) {}

  /** @param source the source datasource  @param slot its slot  @param lease its capture lease, or null */
  public record Source(String source, String slot, ControlDatabase.Lease lease) {}

  /** Who captures each source and which pipelines are paused, from any instance. */
  public Deployment deployment() {
    Map<String, ControlDatabase.Lease> leases = new TreeMap<>();
    control.leases().forEach(lease -> leases.put(lease.slot(), lease));
    List<Source> sources = new ArrayList<>();
    engines.forEach((source, engine) -> sources.add(new Source(source, engine.settings().slotName(),
        leases.get(engine.settings().slotName()))));
    return new Deployment(instance(), sources, control.pausedPipelines(), InstanceHeartbeat.read(control, json));
  }

  /** What this instance does now, for its heartbeat: nothing here asks Kafka or a database. */
  private InstanceHeartbeat.Report report() {
    List<InstanceHeartbeat.SourceRole> sources = new ArrayList<>();
    engines.forEach((source, engine) -> sources.add(new InstanceHeartbeat.SourceRole(source,
        engine.settings().slotName(), connects.containsKey(source) ? "connect" : leases.holds(engine) ? "owner" : "standby")));
    List<InstanceHeartbeat.PipelineReport> reports = new ArrayList<>();
    for (Running running : pipelines.values()) {
      if (running.capture() == null) {
        continue; // disabled or invalid: nothing runs here
      }
      PipelineStats stats = running.pipeline().stats();
      boolean captures = running.connect() == null && leases.holds(running.capture());
      Map<String, Long> held = new TreeMap<>();
      running.applier().heldOffsets().forEach((partition, offset) -> held.put(partition.toString(), offset));
      reports.add(new InstanceHeartbeat.PipelineReport(running.pipeline().name(), running.pipeline().state().name(),
          stats.lastLagMillis(), captures ? Fence.lsn(running.capture().capturedLsn()) : null, held,
          new InstanceHeartbeat.Rates(Math.round(stats.capturedPerSecond() * 10) / 10.0,
              Math.round(stats.appliedPerSecond() * 10) / 10.0), stats.fencedCount()));
    }
    return new InstanceHeartbeat.Report(sources, reports);
  }

  /** This instance's name in the capture leases. */
  public String instance() {
    return leases.instance();
  }

  /**
   * Slot, publication and heartbeat of every source datasource; pipelines of one source must agree,
   * and two sources on one database must not share a slot or publication.
   */
  private static Map<String, SourceSettings> sourceSettings(SyncProperties properties, List<String> problems) {
    Map<String, Map<String, SyncProperties.Pipeline>> bySource = new TreeMap<>();
    properties.pipelines().forEach((name, config) -> {
      if (config.source() != null && config.enabled()) {
        bySource.computeIfAbsent(config.source(), s -> new TreeMap<>()).put(name, config);
      }
    });
    Map<String, SourceSettings> settings = new TreeMap<>();
    properties.pipelines().values().forEach(config -> {
      if (config.source() != null) {
        settings.computeIfAbsent(config.source(), source -> SourceSettings.resolve(source,
            properties.datasources().get(source), bySource.getOrDefault(source, Map.of()), problems));
      }
    });
    Map<String, String> taken = new TreeMap<>();
    settings.forEach((source, own) -> {
      SyncProperties.Datasource config = properties.datasources().get(source);
      if (config == null || !bySource.containsKey(source)) {
        return;
      }
      for (String name : new java.util.TreeSet<>(List.of(own.slotName(), own.publicationName()))) {
        String other = taken.putIfAbsent(config.url() + " " + name, source);
        if (other != null) {
          problems.add("strangler.sync.datasources." + source + ": slot or publication '" + name + "' is also used by "
              + "datasource '" + other + "' on the same database; set strangler.sync.datasources." + source
              + ".slot-name and .publication-name to names of their own");
        }
      }
    });
    return settings;
  }

  @Override
  public synchronized void start() {
    // before any applier or capture runs: a topic grows only while nothing is produced to it
    PipelineTopics topics = null;
    for (Running running : pipelines.values()) {
      if (running.capture() != null) {
        topics = topics != null ? topics : new PipelineTopics(kafkaClient()); // the client is then ready for the first catch-up
        topics.prepare(running.pipeline(), partitions.get(running.pipeline().name()), running.applier());
      }
    }
    connects.values().forEach(c -> {
      c.prepareSource();
      AppliedTransactions.prepare(datasources.dataSource(c.datasource()), c.datasource());
    });
    Set<String> paused = pausedInDeployment();
    for (Running running : pipelines.values()) {
      if (running.capture() != null && paused.contains(running.pipeline().name())) {
        // paused by an instance of the deployment (this one before its restart, or another): stays paused
        running.pipeline().state(PipelineState.PAUSED);
        log.info("Pipeline {} is paused (strangler_sync_paused in the control database); its applier waits for a resume",
            running.pipeline().name());
      } else if (running.capture() != null) {
        running.pipeline().state(PipelineState.STARTING);
        running.applier().start();
        if (running.connect() != null) { // capture is the connector's: this side streams as soon as it applies
          running.pipeline().state(PipelineState.STREAMING);
        }
      }
    }
    connects.values().forEach(c -> log.info("Source {} is captured by Kafka Connect (connector {}, {}): cdc-sync only "
        + "applies its pipelines; the connector's configuration is GET /admin/sources/{}/connector", c.datasource(),
        c.connectorName(), c.urls(), c.datasource()));
    leases.start();
    heartbeat.start();
    sampler = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "pipeline-rates");
      thread.setDaemon(true);
      return thread;
    });
    sampler.scheduleAtFixedRate(() -> all().forEach(p -> p.stats().sample()), 5, 5,
        java.util.concurrent.TimeUnit.SECONDS);
    sampler.scheduleWithFixedDelay(this::followPauses, FOLLOW_PAUSES_MILLIS, FOLLOW_PAUSES_MILLIS,
        java.util.concurrent.TimeUnit.MILLISECONDS);
    // align-sequences: once the snapshot is done, and on while streaming (the source's keys grow)
    sampler.scheduleWithFixedDelay(() -> all().stream()
        .filter(p -> p.config().alignSequences() && p.state() == PipelineState.STREAMING)
        .forEach(p -> {
          try {
            keyRanges.align(p.name(), p.config(), p.mappings());
          } catch (RuntimeException e) { // a failed run must not end the schedule
            log.warn("Pipeline {}: could not align its sequences: {}", p.name(), e.toString());
          }
        }), 1, 5, java.util.concurrent.TimeUnit.SECONDS);
    running = true;
  }

  @Override
  public synchronized void stop() {
    if (sampler != null) {
      sampler.shutdownNow();
    }
    heartbeat.stop();
    leases.stop();
    for (Running running : pipelines.values()) {
      if (running.capture() != null && running.pipeline().state() != PipelineState.RETIRED) {
        drain(running.pipeline());
        running.applier().stop();
        running.pipeline().state(PipelineState.STOPPED);
      }
    }
    synchronized (this) {
      if (kafkaClient != null) {
        kafkaClient.close(java.time.Duration.ofSeconds(5));
        kafkaClient = null;
      }
    }
    running = false;
    log.info("Pipelines stopped");
  }

  /**
   * Gives the applier up to 10 s to apply what capture already sent, so a clean shutdown leaves
   * nothing in Kafka (which matters with the embedded broker, whose topics do not survive a restart).
   */
  private static void drain(Pipeline pipeline) {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (pipeline.state() != PipelineState.PAUSED && pipeline.state() != PipelineState.FAILED
        && pipeline.stats().appliedCount() < pipeline.stats().capturedCount()
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  public Collection<Pipeline> all() {
    return pipelines.values().stream().map(Running::pipeline).toList();
  }

  public Pipeline get(String name) {
    return running(name).pipeline();
  }

  /**
   * Stops applying, on every instance of the deployment: recorded in the control database, which
   * the other instances follow within {@value #FOLLOW_PAUSES_MILLIS} ms, and which a restarted
   * instance reads before it applies anything. Capture (shared with the source's other pipelines)
   * goes on into the pipeline's topics, so nothing is lost, the WAL is released and the other
   * pipelines go on.
   */
  public synchronized Pipeline pause(String name) {
    Running running = active(name);
    control.paused(name, instance(), true);
    pauseHere(running);
    return running.pipeline();
  }

  /** Applies again, on every instance of the deployment (see {@link #pause}). */
  public synchronized Pipeline resume(String name) {
    Running running = active(name);
    control.paused(name, instance(), false);
    resumeHere(running);
    return running.pipeline();
  }

  private void pauseHere(Running running) {
    running.applier().pause();
    running.pipeline().state(PipelineState.PAUSED);
    log.info("Pipeline {} paused", running.pipeline().name());
  }

  private void resumeHere(Running running) {
    boolean connect = running.connect() != null; // Kafka Connect captures the source: no lease here
    boolean captures = !connect && leases.holds(running.capture());
    running.pipeline().state(connect || captures ? PipelineState.STREAMING : PipelineState.STANDBY);
    running.applier().resume();
    if (captures && !running.capture().running()) {
      running.capture().start();
    }
    log.info("Pipeline {} resumed", running.pipeline().name());
  }

  /** The pipelines paused in the deployment; none when the control database does not answer (logged). */
  private Set<String> pausedInDeployment() {
    try {
      return control.pausedPipelines();
    } catch (RuntimeException e) {
      log.warn("Could not read the paused pipelines from the control database: {}", e.getMessage());
      return Set.of();
    }
  }

  /**
   * Follows the pauses and resumes asked of other instances. Reads them under the lock that
   * {@link #pause} and {@link #resume} hold while they record theirs: a set read before one of
   * those would undo it here.
   */
  private synchronized void followPauses() {
    Set<String> paused;
    try {
      paused = control.pausedPipelines();
    } catch (RuntimeException e) { // the control database is away: keep what this instance does
      log.debug("Could not read the paused pipelines: {}", e.getMessage());
      return;
    }
    for (Running running : pipelines.values()) {
      PipelineState state = running.pipeline().state();
      if (running.capture() == null || state == PipelineState.RETIRED || state == PipelineState.FAILED
          || state == PipelineState.STOPPED) {
        continue;
      }
      boolean pausedThere = paused.contains(running.pipeline().name());
      if (pausedThere && state != PipelineState.PAUSED) {
        pauseHere(running);
      } else if (!pausedThere && state == PipelineState.PAUSED) {
        resumeHere(running);
      }
    }
  }

  /**
   * Takes the pipeline's snapshot again, while streaming goes on (an incremental snapshot of its
   * tables, sent to this pipeline only): e.g. after its target was emptied or restored.
   */
  public synchronized Pipeline snapshot(String name) {
    Running running = active(name);
    if (running.connect() != null) {
      throw new PipelineStateException("pipeline '" + name + "': source '" + running.pipeline().config().source()
          + "' is captured by Kafka Connect (connector " + running.connect().connectorName() + "); take a snapshot "
          + "through the connector: insert an execute-snapshot signal into public." + CaptureEngine.SIGNAL_TABLE
          + " on the source");
    }
    if (!leases.holds(running.capture())) {
      throw new PipelineStateException("pipeline '" + name + "': the capture of source '"
          + running.pipeline().config().source() + "' runs on instance " + leases.owner(running.capture())
          + ", not on this one (" + leases.instance() + "); ask that instance's admin API");
    }
    if (!running.capture().running()) {
      throw new PipelineStateException("pipeline '" + name + "': the capture of source '"
          + running.pipeline().config().source() + "' is not running (" + running.pipeline().state().name()
          .toLowerCase() + "); it cannot snapshot");
    }
    running.capture().snapshot(running.pipeline());
    return running.pipeline();
  }

  /**
   * Stops the pipeline for good. Its source's slot is shared: while other pipelines of the source
   * remain, only the pipeline's tables that no other pipeline maps are dropped from the publication;
   * the last pipeline of a source drops the slot, the publication and the offsets.
   */
  public synchronized Pipeline retire(String name) {
    Running running = running(name);
    if (running.capture() == null) {
      throw new PipelineStateException("pipeline '" + name + "' is disabled or invalid; it has nothing to retire here");
    }
    if (running.pipeline().state() == PipelineState.RETIRED) {
      return running.pipeline();
    }
    CaptureEngine capture = running.capture();
    Pipeline pipeline = running.pipeline();
    running.applier().stop();
    if (running.connect() != null) {
      pipeline.retired("source " + pipeline.config().source() + " is captured by Kafka Connect: its applier stopped; "
          + "slot " + pipeline.slotName() + " and publication " + pipeline.publicationName() + " belong to connector "
          + running.connect().connectorName() + " (delete the connector, then drop them)");
      log.info("Pipeline {} retired: {}", name, pipeline.retirement());
      return pipeline;
    }
    java.util.Set<String> gone = capture.detach(pipeline);
    List<String> remaining = capture.pipelines().stream().map(Pipeline::name).toList();
    if (remaining.isEmpty()) {
      capture.stop();
      capture.retire();
      pipeline.retired("slot " + pipeline.slotName() + ", publication " + pipeline.publicationName()
          + " and offsets dropped: no pipeline of source " + pipeline.config().source() + " remains");
    } else {
      pipeline.retired((gone.isEmpty() ? "no table dropped from publication " : gone + " dropped from publication ")
          + pipeline.publicationName() + "; slot " + pipeline.slotName() + " kept: source "
          + pipeline.config().source() + " is still read by " + remaining);
    }
    log.info("Pipeline {} retired: {}", name, pipeline.retirement());
    return pipeline;
  }

  /**
   * Waits, at most {@code timeoutMillis}, until the pipeline has applied every change committed on
   * its source before this call (see {@link CatchUp}).
   *
   * @param name the pipeline
   * @param timeoutMillis how long to wait
   * @return whether it caught up, with the positions seen
   * @throws PipelineCannotCatchUpException when the pipeline does not apply (paused, failed, ...)
   */
  public CatchUpResult catchUp(String name, long timeoutMillis) throws InterruptedException {
    Running running = running(name);
    if (running.capture() == null) {
      throw new PipelineCannotCatchUpException("pipeline '" + name + "' is disabled: it cannot catch up");
    }
    CatchUpResult result = new CatchUp(running.pipeline(), running.capture(), running.connect(), running.applier(),
        datasources.dataSource(running.pipeline().config().source()), kafkaClient(), control,
        leases.holds(running.capture())).run(timeoutMillis);
    log.info("Catch-up of pipeline {}: caughtUp {} after {} ms (source at {}, captured {}, pending {})", name,
        result.caughtUp(), result.waitedMillis(), result.sourceLsn(), result.capturedLsn(), result.pendingEvents());
    return result;
  }

  /**
   * Where the pipeline is: capture's WAL position and, for every partition of its topics, the offset
   * after the last change applied: by this process, or the group's committed offset where that is
   * further (a partition another instance applies, or one this process has not read yet); 0 for a
   * partition nothing was applied from. If Kafka does not answer within 500 ms, only the partitions
   * this process applied.
   *
   * @param name the pipeline
   * @return the position; empty values for a disabled pipeline
   */
  public Position position(String name) {
    Running running = running(name);
    if (running.capture() == null) {
      return new Position(null, Map.of());
    }
    Map<org.apache.kafka.common.TopicPartition, Long> offsets = new java.util.HashMap<>();
    try {
      long timeout = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(500);
      PipelineTopics.partitions(kafkaClient(), running.pipeline(), timeout).forEach(p -> offsets.put(p, 0L));
      kafkaClient().listConsumerGroupOffsets(running.applier().groupId()).partitionsToOffsetAndMetadata()
          .get(timeout, java.util.concurrent.TimeUnit.NANOSECONDS).forEach((partition, offset) -> {
            if (offset != null && offsets.containsKey(partition)) {
              offsets.merge(partition, offset.offset(), Math::max);
            }
          });
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      log.debug("Pipeline {}: Kafka did not say its partitions and committed offsets: {}", name, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    running.applier().appliedOffsets().forEach((partition, offset) -> offsets.merge(partition, offset, Math::max));
    Map<String, Long> applied = new TreeMap<>();
    offsets.forEach((partition, offset) -> applied.put(partition.toString(), offset));
    long captured = running.connect() != null ? running.connect().lastCommittedLsn() : running.capture().capturedLsn();
    return new Position(Fence.lsn(captured), applied);
  }

  /**
   * @param capturedLsn capture's WAL position (null before it read anything)
   * @param appliedOffsets {@code <topic>-<partition>} → offset after the last change applied, for every
   *     partition of the pipeline's topics
   */
  public record Position(String capturedLsn, Map<String, Long> appliedOffsets) {}

  private synchronized org.apache.kafka.clients.admin.Admin kafkaClient() {
    if (kafkaClient == null) {
      kafkaClient = org.apache.kafka.clients.admin.Admin.create(kafkaAdmin.getConfigurationProperties());
    }
    return kafkaClient;
  }

  /**
   * Whether the sequences behind the target's keys can hand out a key that is taken, read now (see
   * {@link KeyRanges}); empty for a disabled pipeline.
   */
  public List<KeyRange> keyRanges(String name) {
    Pipeline pipeline = running(name).pipeline();
    return pipeline.mappings().isEmpty() ? List.of()
        : keyRanges.check(name, pipeline.config(), pipeline.mappings());
  }

  /**
   * The {@code CREATE TABLE} of each of the pipeline's target tables, built from the source's columns
   * through the mapping; also for a disabled pipeline (the way to get them before its target exists).
   */
  public List<TargetTables.TargetTable> targetTables(String name) {
    return targetTables.ddl(name, running(name).pipeline().config());
  }

  /** Pools on the datasources, for the verifier. */
  public SyncDatasources datasources() {
    return datasources;
  }

  private Running running(String name) {
    Running running = pipelines.get(name);
    if (running == null) {
      throw new PipelineNotFoundException(name);
    }
    return running;
  }

  private Running active(String name) {
    Running running = running(name);
    if (running.capture() == null || running.pipeline().state() == PipelineState.RETIRED) {
      throw new PipelineStateException("pipeline '" + name + "' is " + running.pipeline().state().name().toLowerCase()
          + (running.capture() == null ? " (disabled)" : ""));
    }
    return running;
  }

  /**
   * The configuration to give Kafka Connect for a source's connector (see {@link ConnectCapture}),
   * whatever its capture mode now: the way to prepare a switch to Connect.
   *
   * @param source a datasource that enabled pipelines read
   * @throws SourceNotFoundException when no enabled pipeline reads it
   */
  public ConnectorConfig connectorConfig(String source) {
    CaptureEngine engine = engines.get(source);
    if (engine == null) {
      throw new SourceNotFoundException(source);
    }
    ConnectCapture connect = connects.getOrDefault(source, new ConnectCapture(engine, datasources.config(source), json));
    return new ConnectorConfig(connect.connectorName(), connects.containsKey(source) ? "connect" : "embedded",
        connect.connectorConfig(partitions));
  }

  /**
   * @param name the connector's name: {@code PUT /connectors/<name>/config} with {@code config} as the body
   * @param capture the source's capture mode now
   * @param config the connector's configuration
   */
  public record ConnectorConfig(String name, String capture, Map<String, String> config) {}

  private record Running(Pipeline pipeline, CaptureEngine capture, Applier applier, ConnectCapture connect) {}
}
