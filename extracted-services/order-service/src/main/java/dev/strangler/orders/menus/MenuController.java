package dev.strangler.orders.menus;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

@RestController
class MenuController {

  private final Menus menus;

  MenuController(Menus menus) {
    this.menus = menus;
  }

  @GetMapping("/api/menus")
  List<Menu> list() {
    return menus.all();
  }

  @PutMapping("/api/menus/{id}/availability")
  Menu changeAvailability(@PathVariable long id, @Valid @RequestBody AvailabilityChange change) {
    return menus.changeAvailability(id, change.available());
  }

  /** @param available whether the menu can be ordered */
  record AvailabilityChange(@NotNull Boolean available) {}
}
