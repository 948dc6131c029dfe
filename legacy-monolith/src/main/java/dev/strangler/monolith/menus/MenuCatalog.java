package dev.strangler.monolith.menus;

import dev.strangler.monolith.problems.ApiProblem;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** The {@code menus} table: the list, availability switches, and pricing lookups for orders. */
@Component
public class MenuCatalog {

  private final JdbcClient jdbc;

  MenuCatalog(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @Transactional(readOnly = true)
  List<Menu> all() {
    return jdbc.sql("SELECT id, name, price, available FROM menus ORDER BY id")
        .query(Menu.class).list();
  }

  /**
   * The menus with the given ids, by id; unknown ids are absent.
   *
   * @param ids menu ids
   * @return found menus by id
   */
  public Map<Long, Menu> findAll(Collection<Long> ids) {
    if (ids.isEmpty()) {
      return Map.of();
    }
    return jdbc.sql("SELECT id, name, price, available FROM menus WHERE id IN (:ids)")
        .param("ids", ids)
        .query(Menu.class).list().stream()
        .collect(Collectors.toMap(Menu::id, Function.identity()));
  }

  /** @throws ApiProblem 404 when no menu has this id */
  @Transactional
  Menu changeAvailability(long id, boolean available) {
    int updated = jdbc.sql("UPDATE menus SET available = :available WHERE id = :id")
        .param("available", available)
        .param("id", id)
        .update();
    if (updated == 0) {
      throw ApiProblem.notFound("No menu with id " + id + ".");
    }
    return jdbc.sql("SELECT id, name, price, available FROM menus WHERE id = :id")
        .param("id", id).query(Menu.class).single();
  }
}
