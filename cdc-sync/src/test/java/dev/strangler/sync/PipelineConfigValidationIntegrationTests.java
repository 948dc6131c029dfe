package dev.strangler.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.strangler.sync.config.SyncProperties;
import dev.strangler.sync.mapping.InvalidPipelineException;
import dev.strangler.sync.mapping.MappingCompiler;
import dev.strangler.sync.mapping.TableMapping;
import dev.strangler.testkit.TestDatabase;
import dev.strangler.testkit.TestInfrastructure;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/** Start-up validation of pipelines against the live catalogs, and the reference pipelines against docs/schemas.md. */
class PipelineConfigValidationIntegrationTests {

  static final TestDatabase legacy = TestInfrastructure.freshDatabase("cfg_legacy");
  static final TestDatabase signup = TestInfrastructure.freshDatabase("cfg_signup");
  static final TestDatabase orders = TestInfrastructure.freshDatabase("cfg_orders");

  static {
    ReferenceSchemas.create(legacy, ReferenceSchemas.LEGACY
        + "CREATE TABLE people (id bigint PRIMARY KEY, full_name text, score numeric(5,1));");
    ReferenceSchemas.create(signup, ReferenceSchemas.SIGNUP
        + "CREATE TABLE people_copy (id bigint PRIMARY KEY, display text, score numeric(5,1));"
        + "CREATE TABLE people_nokey (id bigint, display text, score numeric(5,1));");
    ReferenceSchemas.create(orders, ReferenceSchemas.ORDER);
  }

  static DataSource dataSource(String name) {
    TestDatabase database = switch (name) {
      case "legacy" -> legacy;
      case "signup" -> signup;
      case "orders" -> orders;
      default -> throw new IllegalArgumentException(name);
    };
    return new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password());
  }

  @Test
  void referencePipelinesFitTheReferenceSchemas() throws IOException {
    StandardEnvironment environment = new StandardEnvironment();
    new YamlPropertySourceLoader().load("reference", new ClassPathResource("application-reference.yml"))
        .forEach(environment.getPropertySources()::addLast);
    environment.getPropertySources().addFirst(new MapPropertySource("urls", Map.of(
        "LEGACY_JDBC_URL", legacy.jdbcUrl(), "SIGNUP_JDBC_URL", signup.jdbcUrl(), "ORDERS_JDBC_URL", orders.jdbcUrl())));
    SyncProperties properties = Binder.get(environment).bind("strangler.sync", SyncProperties.class).get();

    assertThat(properties.pipelines()).containsOnlyKeys("members-to-accounts", "menus-to-menu-items",
        "orders-to-order-service", "accounts-to-members", "order-service-to-orders");
    MappingCompiler compiler = new MappingCompiler(PipelineConfigValidationIntegrationTests::dataSource);
    Map<String, List<TableMapping>> compiled = new HashMap<>();
    properties.pipelines().forEach((name, pipeline) -> compiled.put(name, compiler.compile(name, pipeline)));

    TableMapping members = compiled.get("members-to-accounts").get(0);
    assertThat(members.columns()).extracting(c -> c.source().name() + "->" + c.target().name())
        .containsExactly("id->id", "email->email_normalized", "password_hash->password_hash", "name->display_name",
            "phone->phone", "created_at->created_at");
    assertThat(compiled.get("orders-to-order-service")).extracting(m -> m.target().name())
        .containsExactly("coupons", "orders", "order_lines", "payments", "payment_history");
    assertThat(compiled.get("order-service-to-orders").get(1).dropped()).containsExactly("updated_at");
    assertThat(properties.pipelines().get("accounts-to-members").conflictWinner())
        .isEqualTo(SyncProperties.ConflictWinner.TARGET);
  }

  static Stream<Arguments> badConfigs() {
    return Stream.of(
        Arguments.of("unknown source table", Map.of("tables[0].source-table", "memberz", "tables[0].target-table",
            "accounts"), "tables[0] memberz → accounts: source table public.memberz does not exist"),
        Arguments.of("unknown source column (e.g. a mangled map key)", Map.of("tables[0].source-table", "people",
            "tables[0].target-table", "people_copy", "tables[0].columns.full@name", "display"),
            "source column 'fullname' (in columns) does not exist in public.people (write map keys in brackets"),
        Arguments.of("missing key column", Map.of("tables[0].source-table", "members", "tables[0].target-table",
            "accounts", "tables[0].key[0]", "nope"), "key column 'nope' does not exist in public.members"),
        Arguments.of("type that cannot convert", Map.of("tables[0].source-table", "members",
            "tables[0].target-table", "accounts", "tables[0].columns.email", "email_normalized",
            "tables[0].columns.name", "display_name"),
            "column 'created_at' (timestamp without time zone) cannot be written to 'created_at' (timestamp with time "
                + "zone) without a conversion (add convert.created_at: timestamp-to-timestamptz)"),
        Arguments.of("conversion that does not fit the type", Map.of("tables[0].source-table", "people",
            "tables[0].target-table", "people_copy", "tables[0].columns[full_name]", "display",
            "tables[0].convert.score", "lower-case"), "column 'score' → 'score': conversion 'lower-case' does not "
                + "accept numeric(5,1)"),
        Arguments.of("unknown conversion", Map.of("tables[0].source-table", "people", "tables[0].target-table",
            "people_copy", "tables[0].columns[full_name]", "display", "tables[0].convert.score", "rot13"),
            "column 'score': unknown conversion 'rot13'"),
        Arguments.of("key that is not unique in the target", Map.of("tables[0].source-table", "people",
            "tables[0].target-table", "people_nokey", "tables[0].columns[full_name]", "display"),
            "key [id] maps to target columns [id], which are not the primary key or a unique key of public.people_nokey"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigs")
  void refusesAPipelineThatDoesNotFitTheDatabasesNamingPipelineTableAndColumn(String what, Map<String, String> table,
                                                                             String message) {
    Map<String, String> config = new HashMap<>(Map.of("source", "legacy", "target", "signup", "tables[0].key[0]", "id"));
    config.putAll(table);
    Map<String, String> prefixed = new HashMap<>();
    config.forEach((k, v) -> prefixed.put("strangler.sync.pipelines.bad." + k, v));
    // bound from an environment property source, as the application binds it
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("test", new HashMap<>(prefixed)));
    SyncProperties properties = Binder.get(environment).bind("strangler.sync", SyncProperties.class).get();

    assertThatThrownBy(() -> new MappingCompiler(PipelineConfigValidationIntegrationTests::dataSource)
        .compile("bad", properties.pipelines().get("bad")))
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("pipeline 'bad'")
        .hasMessageContaining(message);
  }

  @Test
  @ExtendWith(OutputCaptureExtension.class)
  void applicationDoesNotStartWithAPipelineThatDoesNotFit(CapturedOutput output) {
    TestDatabase control = TestInfrastructure.freshDatabase("cfg_control");
    SpringApplicationBuilder app = new SpringApplicationBuilder(CdcSyncApplication.class).properties(
        "server.port=0", "management.server.port=0",
        "spring.datasource.url=" + control.jdbcUrl(), "spring.datasource.username=" + control.username(),
        "spring.datasource.password=" + control.password(),
        "spring.kafka.bootstrap-servers=" + TestInfrastructure.kafka().bootstrapServers(),
        "strangler.sync.datasources.legacy.url=" + legacy.jdbcUrl(),
        "strangler.sync.datasources.legacy.username=" + legacy.username(),
        "strangler.sync.datasources.legacy.password=" + legacy.password(),
        "strangler.sync.datasources.signup.url=" + signup.jdbcUrl(),
        "strangler.sync.datasources.signup.username=" + signup.username(),
        "strangler.sync.datasources.signup.password=" + signup.password(),
        "strangler.sync.pipelines.broken.source=legacy", "strangler.sync.pipelines.broken.target=signup",
        "strangler.sync.pipelines.broken.tables[0].source-table=members",
        "strangler.sync.pipelines.broken.tables[0].target-table=accounts",
        "strangler.sync.pipelines.broken.tables[0].key[0]=id",
        "strangler.sync.pipelines.broken.tables[0].columns.email=email_normalized",
        "strangler.sync.pipelines.broken.tables[0].columns.name=display_name",
        "strangler.sync.pipelines.broken.tables[0].columns.phone=telephone",
        "strangler.sync.pipelines.broken.tables[0].convert[created_at]=timestamp-to-timestamptz");

    assertThatThrownBy(app::run).rootCause()
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("pipeline 'broken', tables[0] members → accounts: column 'phone' maps to target column "
            + "'telephone', which does not exist in public.accounts");
    // the start-up report is the problem list, not a stack trace
    String report = output.getOut().substring(output.getOut().indexOf("APPLICATION FAILED TO START"));
    assertThat(report).contains("column 'phone' maps to target column 'telephone'").doesNotContain("\tat ");
  }

  @Test
  void connectCaptureWithoutConnectUrlsOrWithATableMappedTwiceDoesNotStartNamingTheProperties() {
    TestDatabase control = TestInfrastructure.freshDatabase("cfg_connect_control");
    List<String> properties = new java.util.ArrayList<>(List.of("server.port=0", "management.server.port=0",
        "spring.datasource.url=" + control.jdbcUrl(), "spring.datasource.username=" + control.username(),
        "spring.datasource.password=" + control.password(),
        "spring.kafka.bootstrap-servers=" + TestInfrastructure.kafka().bootstrapServers(),
        "strangler.sync.datasources.legacy.url=" + legacy.jdbcUrl(),
        "strangler.sync.datasources.legacy.username=" + legacy.username(),
        "strangler.sync.datasources.legacy.password=" + legacy.password(),
        "strangler.sync.datasources.legacy.capture=connect",
        "strangler.sync.datasources.signup.url=" + signup.jdbcUrl(),
        "strangler.sync.datasources.signup.username=" + signup.username(),
        "strangler.sync.datasources.signup.password=" + signup.password()));
    for (String pipeline : List.of("a", "b")) {
      properties.addAll(List.of("strangler.sync.pipelines." + pipeline + ".source=legacy",
          "strangler.sync.pipelines." + pipeline + ".target=signup",
          "strangler.sync.pipelines." + pipeline + ".tables[0].source-table=people",
          "strangler.sync.pipelines." + pipeline + ".tables[0].target-table=people_copy",
          "strangler.sync.pipelines." + pipeline + ".tables[0].key[0]=id",
          "strangler.sync.pipelines." + pipeline + ".tables[0].columns[full_name]=display"));
    }
    SpringApplicationBuilder app = new SpringApplicationBuilder(CdcSyncApplication.class)
        .properties(properties.toArray(String[]::new));

    assertThatThrownBy(app::run).rootCause()
        .isInstanceOf(InvalidPipelineException.class)
        .hasMessageContaining("strangler.sync.datasources.legacy.connect.urls: required with "
            + "strangler.sync.datasources.legacy.capture: connect")
        .hasMessageContaining("strangler.sync.datasources.legacy.capture is connect, but table public.people is mapped "
            + "by pipelines a and b");
  }

  @Test
  void pipelinesOfOneSourceMustAgreeOnItsSlotNamingBothProperties() {
    Map<String, Object> config = new HashMap<>();
    config.put("strangler.sync.datasources.legacy.url", "jdbc:postgresql://db:5432/app");
    for (String pipeline : List.of("a", "b")) {
      config.put("strangler.sync.pipelines." + pipeline + ".source", "legacy");
      config.put("strangler.sync.pipelines." + pipeline + ".target", "signup");
      config.put("strangler.sync.pipelines." + pipeline + ".tables[0].source-table", "members");
      config.put("strangler.sync.pipelines." + pipeline + ".tables[0].key[0]", "id");
    }
    config.put("strangler.sync.pipelines.a.slot-name", "one");
    config.put("strangler.sync.pipelines.b.slot-name", "two");
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("test", config));
    SyncProperties properties = Binder.get(environment).bind("strangler.sync", SyncProperties.class).get();
    List<String> problems = new java.util.ArrayList<>();

    dev.strangler.sync.config.SourceSettings settings = dev.strangler.sync.config.SourceSettings.resolve("legacy",
        properties.datasources().get("legacy"), properties.pipelines(), problems);

    assertThat(problems).singleElement().asString()
        .contains("strangler.sync.pipelines.b.slot-name (two) differs from strangler.sync.pipelines.a.slot-name (one)")
        .contains("set it once as strangler.sync.datasources.legacy.slot-name");
    // unset: one slot and publication per source; the slot's name carries the database (slots are per server)
    assertThat(settings.publicationName()).isEqualTo("strangler_legacy");
    assertThat(dev.strangler.sync.config.SourceSettings.resolve("legacy", properties.datasources().get("legacy"),
        Map.of(), new java.util.ArrayList<>()).slotName()).isEqualTo("strangler_legacy_app");
  }

  @Test
  void aLeaseRenewedTooRarelyIsRefusedNamingBothProperties() {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("test", Map.of(
        "strangler.sync.lease.duration", "4s", "strangler.sync.lease.renew-every", "2s")));

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Binder.get(environment).bind("strangler.sync",
            SyncProperties.class).get())
        .rootCause().hasMessageContaining("strangler.sync.lease.renew-every (PT2S) must be less than half of "
            + "strangler.sync.lease.duration (PT4S)");
    // unset: 6 s leases renewed every 2 s
    SyncProperties defaults = Binder.get(new StandardEnvironment()).bindOrCreate("strangler.sync", SyncProperties.class);
    assertThat(defaults.lease().duration()).hasSeconds(6);
    assertThat(defaults.lease().renewEvery()).hasSeconds(2);
  }
}
