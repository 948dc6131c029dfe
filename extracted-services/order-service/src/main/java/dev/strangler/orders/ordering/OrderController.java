package dev.strangler.orders.ordering;

import dev.strangler.orders.problems.ApiProblem;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.List;
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

  private final OrderSaga saga;
  private final Orders orders;

  OrderController(OrderSaga saga, Orders orders) {
    this.saga = saga;
    this.orders = orders;
  }

  @PostMapping("/api/orders")
  ResponseEntity<Order> place(@RequestHeader(name = "Idempotency-Key", required = false)
      String idempotencyKey, @Valid @RequestBody PlaceOrderRequest request) {
    if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 100)) {
      throw new ApiProblem(HttpStatus.BAD_REQUEST, "validation", "Invalid request",
          "Idempotency-Key must be 1-100 characters.");
    }
    Order order = saga.place(request, idempotencyKey);
    return ResponseEntity.created(URI.create("/api/orders/" + order.id())).body(order);
  }

  @GetMapping("/api/orders/{id}")
  Order get(@PathVariable long id) {
    return orders.find(id).orElseThrow(() -> ApiProblem.notFound("No order with id " + id + "."));
  }

  @GetMapping("/api/members/{memberId}/orders")
  List<Order> ofMember(@PathVariable long memberId) {
    return orders.ofMember(memberId);
  }
}
