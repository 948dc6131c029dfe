package dev.strangler.orders.menus;

import dev.strangler.orders.problems.ApiProblem;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** The menu read model ({@code menu_items}); cdc-sync keeps it in step with the monolith. */
@Component
public class Menus {

  private final JdbcClient jdbc;

  /** @param jdbc the service's database */
  Menus(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  @Transactional(readOnly = true)
  public List<Menu> all() {
    return jdbc.sql("SELECT id, name, price, available FROM menu_items ORDER BY id")
        .query(Menu.class).list();
  }

  /** The menus with these ids, by id; unknown ids are absent from the map. */
  @Transactional(readOnly = true)
  public Map<Long, Menu> byIds(Collection<Long> ids) {
    if (ids.isEmpty()) {
      return Map.of();
    }
    return jdbc.sql("SELECT id, name, price, available FROM menu_items WHERE id IN (:ids)")
        .param("ids", ids)
        .query(Menu.class).list().stream()
        .collect(Collectors.toMap(Menu::id, Function.identity()));
  }

  @Transactional
  public Menu changeAvailability(long id, boolean available) {
    return jdbc.sql("UPDATE menu_items SET available = :available WHERE id = :id"
            + " RETURNING id, name, price, available")
        .param("available", available).param("id", id)
        .query(Menu.class).optional()
        .orElseThrow(() -> ApiProblem.notFound("No menu with id " + id + "."));
  }
}
