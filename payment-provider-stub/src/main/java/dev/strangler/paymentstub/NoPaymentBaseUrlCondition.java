package dev.strangler.paymentstub;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches when the app was given no {@code delivery.payment.base-url}. Evaluated when bean
 * definitions are read, so a value from a test's {@code @DynamicPropertySource} counts too.
 */
class NoPaymentBaseUrlCondition extends SpringBootCondition {

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    String url = context.getEnvironment().getProperty("delivery.payment.base-url");
    return StringUtils.hasText(url)
        ? ConditionOutcome.noMatch("delivery.payment.base-url is set")
        : ConditionOutcome.match("no delivery.payment.base-url");
  }
}
