package dev.strangler.plan.plan;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads and validates a plan file. Every problem is reported with its file, line and column
 * and what was expected; a plan with any problem is not returned at all.
 *
 * <p>YAML is read as a node tree (SnakeYAML's composer) rather than bound to objects, so that
 * each message can point at the exact place in the file.
 */
public final class PlanReader {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
  private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
  private static final Set<String> ROOT_KEYS = Set.of("gateway", "sync", "pipelines", "routes");
  private static final Set<String> ENDPOINT_KEYS = Set.of("admin-url", "token");
  private static final Set<String> ROUTE_KEYS = Set.of("name", "paths", "legacy", "extracted", "pipelines", "steps");
  private static final Set<String> GATE_KEYS =
      Set.of("for", "percent", "max-error-rate", "max-p99", "max-mismatch-rate", "max-lag", "diff");

  private final Function<String, String> environment;
  private Path file;
  private List<PlanProblem> problems;

  public PlanReader() {
    this(System::getenv);
  }

  /** @param environment looks up {@code ${NAME}} placeholders (tests pass their own) */
  public PlanReader(Function<String, String> environment) {
    this.environment = environment;
  }

  public Plan read(Path file) throws InvalidPlanException {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(file, reader);
    } catch (IOException e) {
      throw new InvalidPlanException(List.of(new PlanProblem(file, 1, 1, "cannot read the plan: " + e.getMessage())));
    }
  }

  public synchronized Plan read(Path file, Reader reader) throws InvalidPlanException {
    this.file = file;
    this.problems = new ArrayList<>();
    Node root;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(true); // reported below, with both places
      root = new Yaml(new SafeConstructor(options), new org.yaml.snakeyaml.representer.Representer(
          new org.yaml.snakeyaml.DumperOptions()), new org.yaml.snakeyaml.DumperOptions(), options).compose(reader);
    } catch (MarkedYAMLException e) {
      var mark = e.getProblemMark();
      throw new InvalidPlanException(List.of(new PlanProblem(file, mark.getLine() + 1, mark.getColumn() + 1,
          "not valid YAML: " + e.getProblem())));
    }
    if (root == null) {
      throw new InvalidPlanException(List.of(new PlanProblem(file, 1, 1, "the plan is empty: expected a mapping with 'routes'")));
    }
    Plan plan = plan(root);
    if (!problems.isEmpty()) {
      throw new InvalidPlanException(problems);
    }
    return plan;
  }

  private Plan plan(Node root) {
    Map<String, NodeTuple> keys = mapping(root, "the plan", ROOT_KEYS);
    if (keys == null) {
      return null;
    }
    Optional<Plan.AdminEndpoint> gateway = Optional.ofNullable(keys.get("gateway"))
        .map(tuple -> endpoint(tuple.getValueNode(), "gateway"));
    Optional<Plan.AdminEndpoint> sync = Optional.ofNullable(keys.get("sync"))
        .map(tuple -> endpoint(tuple.getValueNode(), "sync"));
    List<String> pipelines = keys.containsKey("pipelines")
        ? names(keys.get("pipelines").getValueNode(), "pipelines")
        : List.of();
    List<RoutePlan> routes = new ArrayList<>();
    if (!keys.containsKey("routes")) {
      problem(root, "missing 'routes': expected a list of routes to migrate");
    } else {
      Node routesNode = keys.get("routes").getValueNode();
      List<Node> items = sequence(routesNode, "routes");
      if (items != null && items.isEmpty()) {
        problem(routesNode, "'routes' is empty: expected at least one route");
      }
      Set<String> seen = new HashSet<>();
      for (Node item : items == null ? List.<Node>of() : items) {
        RoutePlan route = route(item, new HashSet<>(pipelines));
        if (route != null && !seen.add(route.name())) {
          problem(item, "route '" + route.name() + "' appears twice: route names must be unique");
        }
        routes.add(route);
      }
    }
    return new Plan(file, gateway, sync, pipelines, routes);
  }

  private Plan.AdminEndpoint endpoint(Node node, String where) {
    Map<String, NodeTuple> keys = mapping(node, "'" + where + "'", ENDPOINT_KEYS);
    if (keys == null) {
      return null;
    }
    URI url = keys.containsKey("admin-url") ? uri(keys.get("admin-url").getValueNode(), where + ".admin-url") : null;
    String token = keys.containsKey("token") ? scalar(keys.get("token").getValueNode(), where + ".token") : null;
    return new Plan.AdminEndpoint(url, token == null ? null : resolve(token));
  }

  private RoutePlan route(Node node, Set<String> declaredPipelines) {
    Map<String, NodeTuple> keys = mapping(node, "a route", ROUTE_KEYS);
    if (keys == null) {
      return null;
    }
    String name = null;
    if (!keys.containsKey("name")) {
      problem(node, "route without 'name': expected the gateway route's name");
    } else {
      Node nameNode = keys.get("name").getValueNode();
      name = scalar(nameNode, "name");
      if (name != null && !NAME.matcher(name).matches()) {
        problem(nameNode, "route name '" + name + "' must be lower-case letters, digits and '-'");
      }
    }
    String label = "route '" + (name == null ? "?" : name) + "'";
    List<String> paths = List.of();
    if (!keys.containsKey("paths")) {
      problem(node, label + " has no 'paths': expected a list of path patterns such as \"/api/members/**\"");
    } else {
      Node pathsNode = keys.get("paths").getValueNode();
      paths = strings(pathsNode, label + " paths");
      if (paths.isEmpty()) {
        problem(pathsNode, label + ": 'paths' is empty: expected at least one path pattern");
      }
      for (String path : paths) {
        if (!path.startsWith("/")) {
          problem(pathsNode, label + ": path '" + path + "' must start with '/'");
        }
      }
    }
    URI legacy = keys.containsKey("legacy") ? uri(keys.get("legacy").getValueNode(), label + " legacy") : null;
    URI extracted = null;
    if (!keys.containsKey("extracted")) {
      problem(node, label + " has no 'extracted': expected the new service's URL, e.g. http://127.0.0.1:8082");
    } else {
      extracted = uri(keys.get("extracted").getValueNode(), label + " extracted");
    }
    List<String> pipelines = List.of();
    if (keys.containsKey("pipelines")) {
      Node pipelinesNode = keys.get("pipelines").getValueNode();
      pipelines = names(pipelinesNode, label + " pipelines");
      for (String pipeline : pipelines) {
        if (!declaredPipelines.contains(pipeline)) {
          problem(pipelinesNode, label + " names unknown pipeline '" + pipeline + "': expected one of "
              + (declaredPipelines.isEmpty() ? "the plan's 'pipelines' list (none declared)" : declaredPipelines.stream().sorted().toList()));
        }
      }
    }
    List<Step> steps = new ArrayList<>();
    if (!keys.containsKey("steps")) {
      problem(node, label + " has no 'steps': expected a list such as [shadow, canary, extracted]");
    } else {
      Node stepsNode = keys.get("steps").getValueNode();
      List<Node> items = sequence(stepsNode, label + " steps");
      if (items != null && items.isEmpty()) {
        problem(stepsNode, label + ": 'steps' is empty: expected at least an 'extracted' step");
      }
      for (Node item : items == null ? List.<Node>of() : items) {
        Step step = step(item, label, !pipelines.isEmpty());
        if (step != null) {
          checkOrder(steps, step, item, label);
          steps.add(step);
        }
      }
    }
    return new RoutePlan(name, paths, legacy, extracted, pipelines, steps);
  }

  private void checkOrder(List<Step> before, Step step, Node node, String label) {
    if (before.isEmpty()) {
      return;
    }
    Step last = before.get(before.size() - 1);
    if (last.kind() == Step.Kind.EXTRACTED) {
      problem(node, label + ": step '" + step.describe() + "' comes after 'extracted': 'extracted' must be the last step");
    } else if (step.kind().ordinal() < last.kind().ordinal()) {
      problem(node, label + ": step '" + step.describe() + "' comes after '" + last.describe()
          + "': expected the order shadow → reads → canary → extracted");
    } else if (step.kind() == Step.Kind.SHADOW && last.kind() == Step.Kind.SHADOW) {
      problem(node, label + ": a second 'shadow' step: expected at most one");
    } else if (step.kind() == Step.Kind.READS && last.kind() == Step.Kind.READS) {
      problem(node, label + ": a second 'reads' step: expected at most one");
    } else if (step.kind() == Step.Kind.CANARY && last.kind() == Step.Kind.CANARY && step.percent() <= last.percent()) {
      problem(node, label + ": canary " + step.percent() + "% comes after canary " + last.percent()
          + "%: expected percents that grow");
    }
  }

  private Step step(Node node, String label, boolean hasPipelines) {
    String kindName;
    Node gatesNode = null;
    if (node instanceof ScalarNode scalar) {
      kindName = scalar.getValue();
    } else if (node instanceof MappingNode mapping && mapping.getValue().size() == 1) {
      NodeTuple tuple = mapping.getValue().get(0);
      kindName = scalar(tuple.getKeyNode(), "step");
      gatesNode = tuple.getValueNode();
    } else {
      problem(node, label + ": expected a step: 'shadow', 'reads', 'canary' or 'extracted', each with its gates, e.g. \"- canary: { percent: 10, for: 30s }\"");
      return null;
    }
    Step.Kind kind;
    try {
      kind = Step.Kind.valueOf(String.valueOf(kindName).toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      problem(node, label + ": unknown step '" + kindName + "': expected shadow, reads, canary or extracted");
      return null;
    }
    Map<String, NodeTuple> gates = gatesNode == null || isNull(gatesNode)
        ? Map.of()
        : mapping(gatesNode, label + " step '" + kind.mode() + "'", GATE_KEYS);
    if (gates == null) {
      return null;
    }
    String where = label + " step '" + kind.mode() + "'";
    int percent = switch (kind) {
      case SHADOW, READS -> 0;
      case EXTRACTED -> 100;
      case CANARY -> {
        if (!gates.containsKey("percent")) {
          problem(node, where + " has no 'percent': expected a share of traffic from 1 to 99");
          yield 0;
        }
        Node percentNode = gates.get("percent").getValueNode();
        Integer value = integer(percentNode, where + " percent");
        if (value != null && (value < 1 || value > 99)) {
          problem(percentNode, where + ": percent " + value + " is out of range: expected 1 to 99 (use 'extracted' for 100)");
        }
        yield value == null ? 0 : value;
      }
    };
    if (kind != Step.Kind.CANARY && gates.containsKey("percent")) {
      problem(gates.get("percent").getKeyNode(), where + ": 'percent' applies to canary steps only");
    }
    if (kind != Step.Kind.SHADOW && gates.containsKey("max-mismatch-rate")) {
      problem(gates.get("max-mismatch-rate").getKeyNode(), where + ": 'max-mismatch-rate' applies to shadow steps only");
    }
    if (kind == Step.Kind.SHADOW) {
      for (String key : List.of("max-error-rate", "max-p99")) {
        if (gates.containsKey(key)) {
          problem(gates.get(key).getKeyNode(), where + ": '" + key
              + "' applies to canary and extracted steps (the new side answers no client in shadow)");
        }
      }
    }
    if (!hasPipelines) {
      for (String key : List.of("max-lag", "diff")) {
        if (gates.containsKey(key)) {
          problem(gates.get(key).getKeyNode(), where + ": '" + key + "' needs the route to name its 'pipelines'");
        }
      }
    }
    Duration minDuration = gates.containsKey("for") ? duration(gates.get("for").getValueNode(), where + " for") : Duration.ZERO;
    Double maxErrorRate = gates.containsKey("max-error-rate") ? rate(gates.get("max-error-rate").getValueNode(), where + " max-error-rate") : null;
    Duration maxP99 = gates.containsKey("max-p99") ? duration(gates.get("max-p99").getValueNode(), where + " max-p99") : null;
    Double maxMismatch = gates.containsKey("max-mismatch-rate") ? rate(gates.get("max-mismatch-rate").getValueNode(), where + " max-mismatch-rate") : null;
    Duration maxLag = gates.containsKey("max-lag") ? duration(gates.get("max-lag").getValueNode(), where + " max-lag") : null;
    boolean diffZero = false;
    if (gates.containsKey("diff")) {
      Node diffNode = gates.get("diff").getValueNode();
      String diff = scalar(diffNode, where + " diff");
      if (!"zero".equals(diff)) {
        problem(diffNode, where + ": diff '" + diff + "' is not understood: expected 'zero'");
      }
      diffZero = true;
    }
    return new Step(kind, percent, new Gates(minDuration == null ? Duration.ZERO : minDuration, maxErrorRate, maxP99,
        maxMismatch, maxLag, diffZero), node.getStartMark().getLine() + 1);
  }

  // --- typed readers: each reports its own problem and returns null on failure ---

  private Map<String, NodeTuple> mapping(Node node, String what, Set<String> allowed) {
    if (!(node instanceof MappingNode mapping)) {
      problem(node, what + ": expected a mapping with keys " + allowed.stream().sorted().toList());
      return null;
    }
    Map<String, NodeTuple> keys = new LinkedHashMap<>();
    for (NodeTuple tuple : mapping.getValue()) {
      String key = scalar(tuple.getKeyNode(), what + " key");
      if (key == null) {
        continue;
      }
      if (!allowed.contains(key)) {
        problem(tuple.getKeyNode(), what + ": unknown key '" + key + "': expected one of " + allowed.stream().sorted().toList());
      } else if (keys.putIfAbsent(key, tuple) != null) {
        problem(tuple.getKeyNode(), what + ": key '" + key + "' appears twice");
      }
    }
    return keys;
  }

  private List<Node> sequence(Node node, String what) {
    if (!(node instanceof SequenceNode sequence)) {
      problem(node, what + ": expected a list");
      return null;
    }
    return sequence.getValue();
  }

  private List<String> strings(Node node, String what) {
    List<Node> items = sequence(node, what);
    List<String> values = new ArrayList<>();
    for (Node item : items == null ? List.<Node>of() : items) {
      String value = scalar(item, what);
      if (value != null) {
        values.add(value);
      }
    }
    return values;
  }

  private List<String> names(Node node, String what) {
    List<String> values = strings(node, what);
    Set<String> seen = new HashSet<>();
    for (String value : values) {
      if (!seen.add(value)) {
        problem(node, what + ": '" + value + "' appears twice");
      }
    }
    return values;
  }

  private String scalar(Node node, String what) {
    if (!(node instanceof ScalarNode scalar)) {
      problem(node, what + ": expected a single value");
      return null;
    }
    return scalar.getValue();
  }

  private Integer integer(Node node, String what) {
    String value = scalar(node, what);
    if (value == null) {
      return null;
    }
    try {
      return Integer.valueOf(value.trim());
    } catch (NumberFormatException e) {
      problem(node, what + ": '" + value + "' is not a whole number");
      return null;
    }
  }

  private Double rate(Node node, String what) {
    String value = scalar(node, what);
    if (value == null) {
      return null;
    }
    try {
      String trimmed = value.trim();
      double rate = trimmed.endsWith("%")
          ? Double.parseDouble(trimmed.substring(0, trimmed.length() - 1)) / 100
          : Double.parseDouble(trimmed);
      if (rate < 0 || rate > 1) {
        problem(node, what + ": " + value + " is out of range: expected a rate from 0 to 1 (or 0% to 100%)");
        return null;
      }
      return rate;
    } catch (NumberFormatException e) {
      problem(node, what + ": '" + value + "' is not a rate: expected a number from 0 to 1, e.g. 0.01");
      return null;
    }
  }

  private Duration duration(Node node, String what) {
    String value = scalar(node, what);
    if (value == null) {
      return null;
    }
    Matcher matcher = DURATION.matcher(value.trim());
    if (!matcher.matches()) {
      problem(node, what + ": '" + value + "' is not a duration: expected a number and a unit, e.g. 500ms, 30s, 5m, 1h");
      return null;
    }
    long amount = Long.parseLong(matcher.group(1));
    return switch (matcher.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  private URI uri(Node node, String what) {
    String value = scalar(node, what);
    if (value == null) {
      return null;
    }
    try {
      URI uri = new URI(resolve(value.trim()));
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        problem(node, what + ": '" + value + "' is not an http(s) URL with a host, e.g. http://127.0.0.1:8082");
        return null;
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      problem(node, what + ": '" + value + "' is not a URL: " + e.getReason());
      return null;
    }
  }

  private String resolve(String value) {
    Matcher matcher = ENV.matcher(value);
    StringBuilder resolved = new StringBuilder();
    while (matcher.find()) {
      String found = environment.apply(matcher.group(1));
      String replacement = found != null ? found : matcher.group(2) != null ? matcher.group(2) : "";
      matcher.appendReplacement(resolved, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(resolved);
    return resolved.toString();
  }

  private static boolean isNull(Node node) {
    return node instanceof ScalarNode scalar && ("".equals(scalar.getValue()) || "null".equals(scalar.getValue())
        || "~".equals(scalar.getValue()));
  }

  private void problem(Node node, String message) {
    problems.add(new PlanProblem(file, node.getStartMark().getLine() + 1, node.getStartMark().getColumn() + 1, message));
  }
}
