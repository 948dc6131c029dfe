package dev.strangler.monolith.orders;

import dev.strangler.monolith.problems.ApiProblem;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

@RestController
class OrderController {

  private static final int MAX_IDEMPOTENCY_KEY_LENGTH = 100;

  private final OrderService orders;

  OrderController(OrderService orders) {
    this.orders = orders;
  }

  @PostMapping("/api/orders")
  ResponseEntity<OrderView> place(
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
      @Valid @RequestBody PlaceOrderRequest request) {
    if (idempotencyKey != null
        && (idempotencyKey.isBlank() || idempotencyKey.length() > MAX_IDEMPOTENCY_KEY_LENGTH)) {
      throw new ApiProblem(HttpStatus.BAD_REQUEST, "validation", "Invalid request",
          "Idempotency-Key must be 1-" + MAX_IDEMPOTENCY_KEY_LENGTH + " characters.", Map.of());
    }
    PlacedOrder placed = orders.place(request, idempotencyKey);
    if (placed.failure() != null) {
      throw placed.failure().problem(placed.order().id());
    }
    return ResponseEntity.created(URI.create("/api/orders/" + placed.order().id()))
        .body(placed.order());
  }

  @GetMapping("/api/orders/{id}")
  OrderView find(@PathVariable long id) {
    return orders.find(id);
  }

  @GetMapping("/api/members/{memberId}/orders")
  List<OrderView> findByMember(@PathVariable long memberId) {
    return orders.findByMember(memberId);
  }
}
