package dev.strangler.sync.keys;

import dev.strangler.sync.config.SyncProperties;
import dev.strangler.sync.mapping.ColumnMapping;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.sync.mapping.TableRef;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the keys the target's sequences hand out apart from the copied ones. For every target key
 * column whose value comes from a sequence (serial or identity) of a table a pipeline fills, it
 * checks that the sequence's next value lies beyond the largest key on the target and on the
 * source, and, where another pipeline copies the table back (both ways), that the two sides'
 * sequences can never hand out the same key. It changes a sequence only where configured
 * ({@code tables[i].key-sequence}, {@code align-sequences}), and then never lowers it.
 *
 * <p>Thread-safe: it holds no state besides the configuration.
 */
public final class KeyRanges {

  private static final Logger log = LoggerFactory.getLogger(KeyRanges.class);

  private final SyncProperties properties;
  private final Function<String, DataSource> dataSources;

  /**
   * @param properties the configuration, for the pipelines both ways
   * @param dataSources datasource by configured name
   */
  public KeyRanges(SyncProperties properties, Function<String, DataSource> dataSources) {
    this.properties = properties;
    this.dataSources = dataSources;
  }

  /**
   * At start-up, before anything is applied: sets the configured {@code key-sequence} ranges and aligns
   * the sequences of an {@code align-sequences} pipeline.
   *
   * @param problems where a {@code key-sequence} that cannot be set is reported, naming the property
   */
  public void prepare(String pipeline, SyncProperties.Pipeline config, List<TableMapping> mappings,
                      List<String> problems) {
    KeyCatalog target = new KeyCatalog(dataSources.apply(config.target()));
    KeyCatalog source = new KeyCatalog(dataSources.apply(config.source()));
    for (TableMapping mapping : mappings) {
      int index = indexOf(config, mapping);
      SyncProperties.KeySequence wanted = config.tables().get(index).keySequence();
      if (wanted == null || (wanted.start() == null && wanted.increment() == null)) {
        continue;
      }
      String property = "strangler.sync.pipelines." + pipeline + ".tables[" + index + "].key-sequence";
      try {
        setRange(property, mapping, wanted, source, target, problems);
      } catch (SQLException e) {
        problems.add(property + ": could not set the sequence of " + mapping.target() + ": " + e.getMessage());
      }
    }
    if (config.alignSequences()) {
      align(pipeline, config, mappings);
    }
  }

  /**
   * Logs what the check finds, once every pipeline is prepared (a reverse pipeline's range may be set
   * after this one's): INFO for a key that is fine, a WARN with the fix for one that collides or may meet.
   */
  public void report(String pipeline, SyncProperties.Pipeline config, List<TableMapping> mappings) {
    for (KeyRange range : check(pipeline, config, mappings)) {
      if (range.status() == KeyRange.Status.OK) {
        log.info("Pipeline {}: key {}.{} from sequence {} hands out {} next, beyond the keys on both sides "
            + "(max target key {}, max source key {})", pipeline, range.table(), range.column(), range.sequence(),
            range.nextValue(), range.maxTargetKey(), range.maxSourceKey());
      } else {
        log.warn("Pipeline {}: key {}.{}, sequence {}: {}. Fix: {}", pipeline, range.table(), range.column(),
            range.sequence(), range.problem(), range.fix());
      }
    }
  }

  private void setRange(String property, TableMapping mapping, SyncProperties.KeySequence wanted, KeyCatalog source,
                        KeyCatalog target, List<String> problems) throws SQLException {
    for (ColumnMapping key : mapping.keyColumns()) {
      Optional<String> sequence = target.sequenceOf(mapping.target(), key.target().name());
      if (sequence.isEmpty()) {
        continue;
      }
      SequenceState before = target.state(sequence.get());
      long increment = wanted.increment() != null ? wanted.increment() : before.increment();
      long next = before.next();
      if (wanted.start() != null) {
        // never lowered: beyond the start, the next value of the start's steps from where the sequence is
        next = before.next() <= wanted.start() ? wanted.start()
            : before.next() + Math.floorMod(wanted.start() - before.next(), increment);
        Long taken = taken(mapping, key, next, increment, source, target);
        if (taken != null) {
          Long highest = highest(target.maxKey(mapping.target(), key.target().name()),
              source.maxKey(mapping.source(), key.source().name()));
          problems.add(property + ".start (" + wanted.start() + ") is not beyond the keys already there: the sequence "
              + sequence.get() + " would hand out " + taken + ", a key " + mapping.source() + "." + key.source().name()
              + " or " + mapping.target() + "." + key.target().name() + " already holds (they go up to " + highest
              + "); use a start above " + highest);
          return;
        }
      }
      if (target.raise(sequence.get(), next, wanted.increment())) {
        SequenceState after = target.state(sequence.get());
        log.info("{}: sequence {} of {}.{} set: next {} increment {} (was next {} increment {})", property,
            sequence.get(), mapping.target(), key.target().name(), after.next(), after.increment(), before.next(),
            before.increment());
      }
      return;
    }
    problems.add(property + ": the target key of " + mapping.target() + " " + mapping.keyColumns().stream()
        .map(c -> c.target().name()).toList() + " does not come from a sequence (serial or identity): nothing to set");
  }

  /** The first key from {@code next} on, in steps of {@code increment}, that the target or the source holds. */
  private static Long taken(TableMapping mapping, ColumnMapping key, long next, long increment, KeyCatalog source,
                            KeyCatalog target) throws SQLException {
    Long onTarget = target.takenFrom(mapping.target(), key.target().name(), next, increment);
    Long onSource = source.takenFrom(mapping.source(), key.source().name(), next, increment);
    return onTarget == null ? onSource : onSource == null ? onTarget : Long.valueOf(Math.min(onTarget, onSource));
  }

  /**
   * Raises every target key sequence of the pipeline whose next value is not beyond the keys on both
   * sides to just beyond them (keeping its place in an interleaved range: with increment 2 an odd
   * sequence stays odd); never lowers one. Failures are logged, not thrown.
   */
  public void align(String pipeline, SyncProperties.Pipeline config, List<TableMapping> mappings) {
    KeyCatalog target = new KeyCatalog(dataSources.apply(config.target()));
    KeyCatalog source = new KeyCatalog(dataSources.apply(config.source()));
    for (TableMapping mapping : mappings) {
      for (ColumnMapping key : mapping.keyColumns()) {
        try {
          Optional<String> sequence = target.sequenceOf(mapping.target(), key.target().name());
          if (sequence.isEmpty()) {
            continue;
          }
          SequenceState state = target.state(sequence.get());
          if (state.increment() <= 0 || taken(mapping, key, state.next(), state.increment(), source, target) == null) {
            continue;
          }
          long highest = highest(target.maxKey(mapping.target(), key.target().name()),
              source.maxKey(mapping.source(), key.source().name()));
          long steps = (highest - state.next()) / state.increment() + 1;
          long next = state.next() + steps * state.increment();
          if (target.raise(sequence.get(), next, null)) {
            log.info("Pipeline {}: sequence {} of {}.{} raised from {} to {}, beyond the largest key {} "
                + "(align-sequences)", pipeline, sequence.get(), mapping.target(), key.target().name(), state.next(),
                next, highest);
          }
        } catch (SQLException | RuntimeException e) {
          log.warn("Pipeline {}: could not align the sequence of {}.{}: {}", pipeline, mapping.target(),
              key.target().name(), e.getMessage());
        }
      }
    }
  }

  /** What the check finds now for every target key column from a sequence, in mapping order. */
  public List<KeyRange> check(String pipeline, SyncProperties.Pipeline config, List<TableMapping> mappings) {
    KeyCatalog target = new KeyCatalog(dataSources.apply(config.target()));
    KeyCatalog source = new KeyCatalog(dataSources.apply(config.source()));
    List<KeyRange> ranges = new ArrayList<>();
    for (TableMapping mapping : mappings) {
      for (ColumnMapping key : mapping.keyColumns()) {
        String column = key.target().name();
        String sequence = null;
        try {
          sequence = target.sequenceOf(mapping.target(), column).orElse(null);
          if (sequence != null) {
            ranges.add(check(pipeline, config, mapping, key, sequence, source, target));
          }
        } catch (SQLException | RuntimeException e) {
          ranges.add(new KeyRange(mapping.target().toString(), column, sequence, null, null, null, null, null,
              KeyRange.Status.UNCHECKED, "could not read the key's sequence or largest key: " + e.getMessage(),
              "let the user of datasource '" + config.target() + "' and '" + config.source()
                  + "' read the table and the sequence"));
        }
      }
    }
    return ranges;
  }

  private KeyRange check(String pipeline, SyncProperties.Pipeline config, TableMapping mapping, ColumnMapping key,
                         String sequence, KeyCatalog source, KeyCatalog target) throws SQLException {
    String column = key.target().name();
    SequenceState state = target.state(sequence);
    Long maxTarget = target.maxKey(mapping.target(), column);
    Long maxSource = source.maxKey(mapping.source(), key.source().name());
    Long highest = highest(maxTarget, maxSource);
    String table = mapping.target().toString();
    String property = "strangler.sync.pipelines." + pipeline + ".tables[" + indexOf(config, mapping) + "]";
    String reverse = reverseOf(pipeline, config, mapping).orElse(null);
    if (state.increment() <= 0) {
      return new KeyRange(table, column, sequence, state.next(), state.increment(), maxTarget, maxSource, reverse,
          KeyRange.Status.UNCHECKED, "the sequence descends (increment " + state.increment() + "): not checked",
          "check its range by hand");
    }
    Long onTarget = target.takenFrom(mapping.target(), column, state.next(), state.increment());
    Long onSource = source.takenFrom(mapping.source(), key.source().name(), state.next(), state.increment());
    if (onTarget != null || onSource != null) {
      long taken = onTarget == null ? onSource : onSource == null ? onTarget : Math.min(onTarget, onSource);
      // just beyond every key, in the sequence's own steps (an odd sequence stays odd)
      long next = state.next() + ((highest - state.next()) / state.increment() + 1) * state.increment();
      return new KeyRange(table, column, sequence, state.next(), state.increment(), maxTarget, maxSource, reverse,
          KeyRange.Status.COLLIDES, "the target's next value " + state.next() + " is not beyond the keys already "
              + "there: key " + taken + ", one it would hand out, is on the "
              + (onTarget != null && onTarget == taken ? "target" : "source") + " (max target key " + maxTarget
              + ", max source key " + maxSource + "): an insert on the new side fails with duplicate key",
          "on datasource '" + config.target() + "' run SELECT setval('" + sequence + "', " + next + ", false); "
              + "or set " + "strangler.sync.pipelines." + pipeline + ".align-sequences: true (raised after the "
              + "snapshot and while streaming, never lowered), or " + property + ".key-sequence.start above "
              + highest);
    }
    if (reverse != null) {
      KeyCatalog reverseTarget = source;
      Optional<String> sourceSequence = reverseTarget.sequenceOf(mapping.source(), key.source().name());
      if (sourceSequence.isPresent()) {
        SequenceState other = reverseTarget.state(sourceSequence.get());
        if (other.increment() > 0) {
          Long meets = RangeMeeting.first(other.next(), other.increment(), other.maxValue(), state.next(),
              state.increment(), state.maxValue());
          if (meets != null) {
            long base = Math.max(Math.max(state.next(), other.next()), highest == null ? 1 : highest + 1);
            long odd = base % 2 == 0 ? base + 1 : base;
            long even = base % 2 == 0 ? base : base + 1;
            return new KeyRange(table, column, sequence, state.next(), state.increment(), maxTarget, maxSource, reverse,
                KeyRange.Status.MAY_MEET, "pipeline '" + reverse + "' copies it back and the source's sequence "
                    + sourceSequence.get() + " (next " + other.next() + ", increment " + other.increment()
                    + ") and the target's (next " + state.next() + ", increment " + state.increment()
                    + ") both hand out key " + meets + ": rows created on both sides collide",
                "give the sides disjoint ranges: " + property + ".key-sequence: {start: " + odd + ", increment: 2} and "
                    + "strangler.sync.pipelines." + reverse + ".tables[" + reverseIndex(reverse, mapping)
                    + "].key-sequence: {start: " + even + ", increment: 2} (odd keys here, even there), or a MAXVALUE "
                    + "on " + sourceSequence.get() + " below the target's next value");
          }
        }
      }
    }
    return new KeyRange(table, column, sequence, state.next(), state.increment(), maxTarget, maxSource, reverse,
        KeyRange.Status.OK, null, null);
  }

  /** The enabled pipeline copying this mapping's target table back into its source table, if any. */
  private Optional<String> reverseOf(String pipeline, SyncProperties.Pipeline config, TableMapping mapping) {
    for (Map.Entry<String, SyncProperties.Pipeline> entry : new TreeMap<>(properties.pipelines()).entrySet()) {
      SyncProperties.Pipeline other = entry.getValue();
      if (!entry.getKey().equals(pipeline) && other.enabled() && config.target().equals(other.source())
          && config.source().equals(other.target()) && reverseTable(other, mapping) >= 0) {
        return Optional.of(entry.getKey());
      }
    }
    return Optional.empty();
  }

  private int reverseIndex(String reverse, TableMapping mapping) {
    return reverseTable(properties.pipelines().get(reverse), mapping);
  }

  private static int reverseTable(SyncProperties.Pipeline other, TableMapping mapping) {
    for (int i = 0; i < other.tables().size(); i++) {
      SyncProperties.Table table = other.tables().get(i);
      if (TableRef.parse(table.sourceTable()).equals(mapping.target())
          && TableRef.parse(table.targetTableOrSource()).equals(mapping.source())) {
        return i;
      }
    }
    return -1;
  }

  private static int indexOf(SyncProperties.Pipeline config, TableMapping mapping) {
    for (int i = 0; i < config.tables().size(); i++) {
      if (TableRef.parse(config.tables().get(i).sourceTable()).equals(mapping.source())
          && TableRef.parse(config.tables().get(i).targetTableOrSource()).equals(mapping.target())) {
        return i;
      }
    }
    throw new IllegalArgumentException("no table of the pipeline maps " + mapping.source() + " to " + mapping.target());
  }

  private static Long highest(Long a, Long b) {
    return a == null ? b : b == null ? a : Long.valueOf(Math.max(a, b));
  }
}
