package dev.strangler.embedded.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Stops start-up when a key under {@code strangler.} is one no {@code @ConfigurationProperties} of
 * the app binds, so that {@code routes.x.mdoe: shadow} is not silently ignored. Runs once the
 * environment is complete (config files, command line, test properties and initializers) and before
 * any bean is created.
 *
 * <p>Checked: every enumerable property source (files, command-line arguments, system properties,
 * {@code SPRING_APPLICATION_JSON}, test properties), except the operating-system environment:
 * variables such as {@code STRANGLER_GATEWAY_URL} or {@code STRANGLER_PLAN} belong to the
 * {@code strangler} CLI and are inherited by every app started from the same shell. Known keys come
 * from the {@code META-INF/spring-configuration-metadata.json} files on the classpath (see
 * {@link KnownProperties}).
 *
 * <p>Registered in {@code META-INF/spring.factories}, so every app that depends on
 * embedded-infrastructure is checked.
 */
public class UnknownPropertiesCheck implements ApplicationListener<ApplicationPreparedEvent> {

  static final String PREFIX = "strangler";

  @Override
  public void onApplicationEvent(ApplicationPreparedEvent event) {
    ConfigurableEnvironment environment = event.getApplicationContext().getEnvironment();
    ClassLoader classLoader = event.getSpringApplication().getClassLoader();
    List<UnknownProperty> unknown = unknown(environment, classLoader);
    if (!unknown.isEmpty()) {
      throw new UnknownPropertiesException(unknown);
    }
  }

  /** The unknown keys of {@code environment}, each with where it was set and the nearest known key. */
  static List<UnknownProperty> unknown(ConfigurableEnvironment environment, ClassLoader classLoader) {
    KnownProperties known = null;
    Set<String> seen = new LinkedHashSet<>();
    List<UnknownProperty> unknown = new ArrayList<>();
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (!(source instanceof EnumerablePropertySource<?> enumerable)
          || source instanceof SystemEnvironmentPropertySource) {
        continue;
      }
      for (String key : enumerable.getPropertyNames()) {
        ConfigurationPropertyName name = ConfigurationPropertyName.adapt(key, '.');
        if (name.getNumberOfElements() < 2
            || !PREFIX.equals(name.getElement(0, ConfigurationPropertyName.Form.UNIFORM))) {
          continue;
        }
        if (known == null) {
          known = KnownProperties.load(classLoader, PREFIX);
        }
        if (!known.knows(name) && seen.add(source.getName() + "\0" + key)) {
          unknown.add(new UnknownProperty(key, origin(source, key), known.nearest(name).orElse(null)));
        }
      }
    }
    return unknown;
  }

  private static String origin(PropertySource<?> source, String key) {
    Origin origin = OriginLookup.getOrigin(source, key);
    return origin != null ? origin.toString() : "property source '" + source.getName() + "'";
  }
}
