package dev.strangler.dashboard;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.util.ClassUtils;

/**
 * Whether an {@code Authorization} header carries the gateway's admin token. It asks the
 * gateway's own {@code AdminToken} bean when there is one, so a token kept in the gateway's token
 * file works too; the gateway depends on this module, not the other way round, hence the lookup
 * by class name. Without that bean it compares with {@code strangler.gateway.admin.token}; with
 * neither, every call is refused.
 */
final class AdminAuthorization {

  static final String GATEWAY_TOKEN_CLASS = "dev.strangler.gateway.admin.AdminToken";
  private static final Logger log = LoggerFactory.getLogger(AdminAuthorization.class);

  private final Predicate<String> check;

  private AdminAuthorization(Predicate<String> check) {
    this.check = check;
  }

  /**
   * Finds the check to use.
   *
   * @param beans where the gateway's token bean would be
   * @param property the token property, used without that bean
   */
  static AdminAuthorization resolve(BeanFactory beans, GatewayAdminToken property) {
    ClassLoader loader = AdminAuthorization.class.getClassLoader();
    if (ClassUtils.isPresent(GATEWAY_TOKEN_CLASS, loader)) {
      try {
        Class<?> type = ClassUtils.forName(GATEWAY_TOKEN_CLASS, loader);
        Object token = beans.getBean(type);
        Method accepts = type.getMethod("accepts", String.class);
        return new AdminAuthorization(header -> invoke(accepts, token, header));
      } catch (NoSuchBeanDefinitionException | ClassNotFoundException | NoSuchMethodException e) {
        log.warn("Dashboard: the gateway's admin token bean is not usable ({}); using strangler.gateway.admin.token",
            e.toString());
      }
    }
    if (property.token() == null || property.token().isBlank()) {
      log.warn("Dashboard: no admin token (strangler.gateway.admin.token): every dashboard API call is refused");
      return new AdminAuthorization(header -> false);
    }
    byte[] expected = ("Bearer " + property.token().trim()).getBytes(StandardCharsets.UTF_8);
    return new AdminAuthorization(header -> header != null
        && MessageDigest.isEqual(expected, header.trim().getBytes(StandardCharsets.UTF_8)));
  }

  private static boolean invoke(Method accepts, Object token, String header) {
    try {
      return (Boolean) accepts.invoke(token, header);
    } catch (IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("the gateway's AdminToken.accepts failed", e);
    }
  }

  /** Whether the {@code Authorization} header value (may be null) is the admin token. */
  boolean accepts(String authorization) {
    return check.test(authorization);
  }
}
