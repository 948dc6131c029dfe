package dev.strangler.gateway.routing;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/** Matches when {@code spring.cloud.gateway.server.webflux.trusted-proxies} is not set or blank. */
class NoTrustedProxiesCondition extends SpringBootCondition {

  static final String PROPERTY = "spring.cloud.gateway.server.webflux.trusted-proxies";

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    return StringUtils.hasText(context.getEnvironment().getProperty(PROPERTY))
        ? ConditionOutcome.noMatch(PROPERTY + " is set: Spring Cloud Gateway adds the forwarded headers")
        : ConditionOutcome.match(PROPERTY + " is not set");
  }
}
