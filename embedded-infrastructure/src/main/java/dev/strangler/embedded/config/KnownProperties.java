package dev.strangler.embedded.config;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.util.ClassUtils;

/**
 * The property names under one prefix ({@code strangler}) an app knows: every property the
 * {@code META-INF/spring-configuration-metadata.json} files on the classpath declare, and below a
 * {@code Map} or {@code List} property whatever its element type binds (walked by reflection on
 * the declaring {@code @ConfigurationProperties} type, since the metadata stops at such
 * properties). Anything below a map of scalars ({@code columns.<source column>}) is free-form.
 *
 * <p>Names are compared in Spring Boot's relaxed form (case, {@code -} and {@code _} ignored).
 * Immutable; built once per start-up.
 */
final class KnownProperties {

  private static final String[] METADATA = {
      "classpath*:META-INF/spring-configuration-metadata.json",
      "classpath*:META-INF/additional-spring-configuration-metadata.json"};

  /** Known property (uniform elements) → the Java type it binds, {@code null} when unknown. */
  private final Map<List<String>, ResolvableType> properties;
  /** The same names as written in the metadata, for suggestions. */
  private final Map<List<String>, String> written;

  private KnownProperties(Map<List<String>, ResolvableType> properties, Map<List<String>, String> written) {
    this.properties = properties;
    this.written = written;
  }

  /** Reads every metadata file the class loader sees; entries outside {@code prefix} are skipped. */
  static KnownProperties load(ClassLoader classLoader, String prefix) {
    Map<List<String>, ResolvableType> properties = new LinkedHashMap<>();
    Map<List<String>, String> written = new LinkedHashMap<>();
    PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver(classLoader);
    String quotedPrefix = "\"" + prefix + ".";
    for (String pattern : METADATA) {
      Resource[] resources;
      try {
        resources = resolver.getResources(pattern);
      } catch (IOException e) {
        continue;
      }
      for (Resource resource : resources) {
        String json;
        try (InputStream in = resource.getInputStream()) {
          json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
          continue;
        }
        if (!json.contains(quotedPrefix)) {
          continue; // most of Boot's own metadata: not worth parsing
        }
        Object entries = JsonParserFactory.getJsonParser().parseMap(compact(json)).get("properties");
        if (!(entries instanceof List<?> list)) {
          continue;
        }
        for (Object entry : list) {
          if (entry instanceof Map<?, ?> property && property.get("name") instanceof String name
              && name.startsWith(prefix + ".") && ConfigurationPropertyName.isValid(name)) {
            List<String> elements = uniform(ConfigurationPropertyName.of(name));
            ResolvableType type = type(classLoader, (String) property.get("sourceType"), elements,
                (String) property.get("type"));
            if (type != null || !properties.containsKey(elements)) {
              properties.put(elements, type);
            }
            written.putIfAbsent(elements, name);
          }
        }
      }
    }
    return new KnownProperties(properties, written);
  }

  /**
   * The JSON without whitespace outside strings: Boot's fallback parser (used when no JSON library
   * is on the classpath) misreads list elements that start with a line break.
   */
  private static String compact(String json) {
    StringBuilder compact = new StringBuilder(json.length());
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        compact.append(c);
        if (c == '\\' && i + 1 < json.length()) {
          compact.append(json.charAt(++i));
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
        compact.append(c);
      } else if (!Character.isWhitespace(c)) {
        compact.append(c);
      }
    }
    return compact.toString();
  }

  /** Whether {@code name} is a property the app binds. */
  boolean knows(ConfigurationPropertyName name) {
    return verdict(name).known();
  }

  /**
   * The nearest known name to an unknown one, e.g. {@code strangler.gateway.routes.x.mode} for
   * {@code ...routes.x.mdoe}; empty when nothing is close.
   */
  Optional<String> nearest(ConfigurationPropertyName name) {
    Verdict verdict = verdict(name);
    if (verdict.known()) {
      return Optional.of(name.toString());
    }
    if (verdict.failedAt() > 0 && !verdict.options().isEmpty()) {
      // a known property's type was walked until one element did not fit: the nearest sibling
      String wrong = name.getElement(verdict.failedAt(), ConfigurationPropertyName.Form.DASHED);
      return closest(wrong, verdict.options()).map(option -> {
        String head = join(name, 0, verdict.failedAt());
        String tail = name.getNumberOfElements() > verdict.failedAt() + 1
            ? "." + join(name, verdict.failedAt() + 1) : "";
        return head + "." + option + tail;
      });
    }
    // no known ancestor: compare the first elements with each known name of as many elements
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (Map.Entry<List<String>, String> known : written.entrySet()) {
      int size = known.getKey().size();
      if (size > name.getNumberOfElements()) {
        continue;
      }
      String head = join(name, 0, size);
      int distance = distance(head.toLowerCase(Locale.ROOT), known.getValue());
      String last = known.getValue().substring(known.getValue().lastIndexOf('.') + 1);
      if (distance < bestDistance && distance <= tolerance(last)) {
        String rest = size < name.getNumberOfElements() ? "." + join(name, size) : "";
        String candidate = known.getValue() + rest;
        if (knows(ConfigurationPropertyName.adapt(candidate, '.'))) {
          best = candidate;
          bestDistance = distance;
        }
      }
    }
    return Optional.ofNullable(best);
  }

  private Verdict verdict(ConfigurationPropertyName name) {
    List<String> elements = uniform(name);
    Verdict deepest = new Verdict(false, 0, List.of());
    for (int size = elements.size(); size > 0; size--) {
      List<String> head = elements.subList(0, size);
      if (!properties.containsKey(head)) {
        continue;
      }
      if (size == elements.size()) {
        return new Verdict(true, size, List.of());
      }
      ResolvableType type = properties.get(head);
      if (type == null) {
        continue; // a property of unknown type binds nothing below it
      }
      Verdict walked = walk(type, name, size);
      if (walked.known()) {
        return walked;
      }
      if (walked.failedAt() > deepest.failedAt()) {
        deepest = walked;
      }
    }
    return deepest;
  }

  /** Walks {@code type} along the elements of {@code name} from {@code index} on. */
  private static Verdict walk(ResolvableType type, ConfigurationPropertyName name, int index) {
    if (index == name.getNumberOfElements()) {
      return new Verdict(true, index, List.of());
    }
    Class<?> raw = type.resolve(Object.class);
    if (Map.class.isAssignableFrom(raw)) {
      ResolvableType value = type.asMap().getGeneric(1);
      if (isScalar(value.resolve(Object.class))) {
        return new Verdict(true, index, List.of()); // free-form keys, e.g. columns.<source column>
      }
      return walk(value, name, index + 1);
    }
    if (Collection.class.isAssignableFrom(raw) || raw.isArray()) {
      ResolvableType element = raw.isArray() ? type.getComponentType() : type.asCollection().getGeneric(0);
      if (!isIndex(name, index)) {
        return new Verdict(false, index, List.of());
      }
      return walk(element, name, index + 1);
    }
    if (isScalar(raw)) {
      return new Verdict(false, index, List.of());
    }
    Map<String, ResolvableType> members = members(raw);
    String element = name.getElement(index, ConfigurationPropertyName.Form.UNIFORM);
    for (Map.Entry<String, ResolvableType> member : members.entrySet()) {
      if (uniform(member.getKey()).equals(element)) {
        return walk(member.getValue(), name, index + 1);
      }
    }
    return new Verdict(false, index, List.copyOf(members.keySet()));
  }

  /** Bindable members of a record, a constructor-bound class or a JavaBean, in dashed form. */
  private static Map<String, ResolvableType> members(Class<?> type) {
    Map<String, ResolvableType> members = new LinkedHashMap<>();
    if (type.isRecord()) {
      for (RecordComponent component : type.getRecordComponents()) {
        members.put(dashed(component.getName()), ResolvableType.forType(component.getGenericType()));
      }
      return members;
    }
    Constructor<?>[] constructors = type.getDeclaredConstructors();
    if (constructors.length == 1 && constructors[0].getParameterCount() > 0) {
      String[] names = new DefaultParameterNameDiscoverer().getParameterNames(constructors[0]);
      if (names != null) {
        for (int i = 0; i < names.length; i++) {
          members.put(dashed(names[i]), ResolvableType.forMethodParameter(new MethodParameter(constructors[0], i)));
        }
      }
    }
    for (var descriptor : BeanUtils.getPropertyDescriptors(type)) {
      if (descriptor.getReadMethod() != null && !"class".equals(descriptor.getName())) {
        members.putIfAbsent(dashed(descriptor.getName()), ResolvableType.forMethodReturnType(descriptor.getReadMethod()));
      }
    }
    return members;
  }

  /** The type the metadata entry binds, from its declaring type; {@code null} if it cannot be loaded. */
  private static ResolvableType type(ClassLoader classLoader, String sourceType, List<String> elements, String type) {
    Class<?> source = loadClass(classLoader, sourceType);
    if (source != null) {
      ResolvableType member = members(source).entrySet().stream()
          .filter(m -> uniform(m.getKey()).equals(elements.get(elements.size() - 1)))
          .map(Map.Entry::getValue).findFirst().orElse(null);
      if (member != null) {
        return member;
      }
    }
    if (type == null) {
      return null;
    }
    int generic = type.indexOf('<');
    Class<?> raw = loadClass(classLoader, generic < 0 ? type : type.substring(0, generic));
    // a collection whose element type is unknown: lenient below it
    return raw == null ? null
        : Map.class.isAssignableFrom(raw) ? ResolvableType.forClassWithGenerics(Map.class, String.class, String.class)
        : ResolvableType.forClass(raw);
  }

  /** Loads {@code a.b.Outer.Inner} (metadata names nested types with dots). */
  private static Class<?> loadClass(ClassLoader classLoader, String name) {
    if (name == null || name.isBlank()) {
      return null;
    }
    String candidate = name;
    while (true) {
      try {
        return ClassUtils.forName(candidate, classLoader);
      } catch (ClassNotFoundException | LinkageError e) {
        int dot = candidate.lastIndexOf('.');
        if (dot < 0) {
          return null;
        }
        candidate = candidate.substring(0, dot) + '$' + candidate.substring(dot + 1);
      }
    }
  }

  /** Values that bind from one string: nothing is below them. */
  private static boolean isScalar(Class<?> type) {
    if (type.isPrimitive() || type.isEnum() || type == Object.class) {
      return true;
    }
    if (Map.class.isAssignableFrom(type) || Collection.class.isAssignableFrom(type) || type.isArray()) {
      return false;
    }
    String name = type.getName();
    return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jakarta.")
        || name.startsWith("org.springframework.");
  }

  private static boolean isIndex(ConfigurationPropertyName name, int index) {
    return name.isNumericIndex(index)
        || name.getElement(index, ConfigurationPropertyName.Form.ORIGINAL).chars().allMatch(Character::isDigit);
  }

  private static List<String> uniform(ConfigurationPropertyName name) {
    List<String> elements = new ArrayList<>(name.getNumberOfElements());
    for (int i = 0; i < name.getNumberOfElements(); i++) {
      elements.add(name.getElement(i, ConfigurationPropertyName.Form.UNIFORM));
    }
    return elements;
  }

  private static String uniform(String element) {
    return ConfigurationPropertyName.adapt(element, '.').getElement(0, ConfigurationPropertyName.Form.UNIFORM);
  }

  private static String dashed(String javaName) {
    StringBuilder dashed = new StringBuilder();
    for (char c : javaName.toCharArray()) {
      if (Character.isUpperCase(c)) {
        dashed.append('-').append(Character.toLowerCase(c));
      } else {
        dashed.append(c);
      }
    }
    return dashed.toString();
  }

  /** Elements {@code from} to {@code to} as written, map keys in brackets. */
  private static String join(ConfigurationPropertyName name, int from) {
    return join(name, from, name.getNumberOfElements());
  }

  private static String join(ConfigurationPropertyName name, int from, int to) {
    String joined = name.chop(to).subName(from).toString();
    return joined.startsWith(".") ? joined.substring(1) : joined;
  }

  private static Optional<String> closest(String wrong, List<String> options) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String option : options) {
      int distance = distance(wrong.toLowerCase(Locale.ROOT), option);
      if (distance < bestDistance) {
        best = option;
        bestDistance = distance;
      }
    }
    return best != null && bestDistance <= tolerance(best) ? Optional.of(best) : Optional.empty();
  }

  /** Edits a typo may take: about a third of the word, at least two. */
  private static int tolerance(String word) {
    return Math.max(2, word.length() / 3);
  }

  /** Damerau–Levenshtein distance (optimal string alignment): a swap of two letters is one edit. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /**
   * How far a name got: known, or the index of the first element that fits nothing and the
   * members that would have fitted there.
   */
  private record Verdict(boolean known, int failedAt, List<String> options) {}
}
