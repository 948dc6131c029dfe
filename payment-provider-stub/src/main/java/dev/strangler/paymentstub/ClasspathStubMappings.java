package dev.strangler.paymentstub;

import com.github.tomakehurst.wiremock.standalone.MappingsSource;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import com.github.tomakehurst.wiremock.stubbing.StubMappings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

/**
 * Read-only WireMock mappings source over the JSON files in
 * {@code classpath:payment-provider/mappings/}. Resolved through Spring so it works from a
 * directory, a jar and a Boot fat jar alike; {@code resetAll()} on the server reloads them.
 */
final class ClasspathStubMappings implements MappingsSource {

  static final String LOCATION = "classpath*:payment-provider/mappings/*.json";

  private final List<StubMapping> mappings;

  ClasspathStubMappings() {
    this.mappings = read();
  }

  private static List<StubMapping> read() {
    try {
      Resource[] resources = new PathMatchingResourcePatternResolver(
          ClasspathStubMappings.class.getClassLoader()).getResources(LOCATION);
      List<Resource> sorted = new ArrayList<>(List.of(resources));
      sorted.sort(Comparator.comparing(Resource::getFilename));
      List<StubMapping> result = new ArrayList<>();
      for (Resource resource : sorted) {
        try (InputStream in = resource.getInputStream()) {
          result.add(StubMapping.buildFrom(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
      }
      if (result.isEmpty()) {
        throw new IllegalStateException("no payment provider stub mappings found at " + LOCATION);
      }
      return List.copyOf(result);
    } catch (IOException ex) {
      throw new UncheckedIOException("cannot read payment provider stub mappings", ex);
    }
  }

  int size() {
    return mappings.size();
  }

  @Override
  public void loadMappingsInto(StubMappings stubMappings) {
    // a fresh copy each time: WireMock mutates mappings it holds (e.g. scenario state)
    for (StubMapping mapping : mappings) {
      stubMappings.addMapping(StubMapping.buildFrom(StubMapping.buildJsonStringFor(mapping)));
    }
  }

  @Override
  public void save(List<StubMapping> stubMappings) {
    // read-only: mappings added at run time live in memory only
  }

  @Override
  public void save(StubMapping stubMapping) {
    // read-only
  }

  @Override
  public void remove(StubMapping stubMapping) {
    // read-only
  }

  @Override
  public void removeAll() {
    // read-only
  }
}
