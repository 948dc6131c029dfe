package dev.strangler.embedded;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/** Matches when the app was given no {@code spring.kafka.bootstrap-servers}. */
class NoKafkaBootstrapServersCondition extends SpringBootCondition {

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    String servers = context.getEnvironment().getProperty("spring.kafka.bootstrap-servers");
    return StringUtils.hasText(servers)
        ? ConditionOutcome.noMatch("spring.kafka.bootstrap-servers is set")
        : ConditionOutcome.match("no spring.kafka.bootstrap-servers");
  }
}
