package dev.strangler.monolith.menus;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/menus")
class MenuController {

  private final MenuCatalog catalog;

  MenuController(MenuCatalog catalog) {
    this.catalog = catalog;
  }

  @GetMapping
  List<Menu> all() {
    return catalog.all();
  }

  @PutMapping("/{id}/availability")
  Menu changeAvailability(@PathVariable long id, @Valid @RequestBody AvailabilityRequest request) {
    return catalog.changeAvailability(id, request.available());
  }

  /** @param available whether the menu can be ordered */
  record AvailabilityRequest(@NotNull Boolean available) {}
}
