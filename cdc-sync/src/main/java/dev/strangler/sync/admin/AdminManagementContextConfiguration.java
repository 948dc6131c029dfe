package dev.strangler.sync.admin;

import dev.strangler.sync.config.SyncProperties;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Contributes the admin API to the management child context (registered in
 * {@code META-INF/spring/...ManagementContextConfiguration.imports}), so it is served on
 * {@code management.server.port} only and never on the main port.
 */
@ManagementContextConfiguration(ManagementContextType.CHILD)
@Import({AdminController.class, DeploymentController.class, SourceController.class})
public class AdminManagementContextConfiguration {

  @Bean
  AdminProblemResolver adminProblemResolver(JsonMapper json) {
    return new AdminProblemResolver(json);
  }

  @Bean
  WebMvcConfigurer adminToken(SyncProperties properties) {
    AdminTokenInterceptor interceptor = new AdminTokenInterceptor(properties.admin().token());
    return new WebMvcConfigurer() {
      @Override
      public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(interceptor).addPathPatterns("/admin", "/admin/**");
      }
    };
  }
}
