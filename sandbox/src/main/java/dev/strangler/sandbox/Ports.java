package dev.strangler.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * The ports of the stack.
 *
 * @param monolith legacy-monolith
 * @param signup signup-service
 * @param orders order-service
 * @param sync cdc-sync's traffic port
 * @param syncAdmin cdc-sync's management port (admin API)
 * @param gateway the gateway's traffic port: where clients go
 * @param gatewayAdmin the gateway's management port (admin API)
 */
record Ports(int monolith, int signup, int orders, int sync, int syncAdmin, int gateway, int gatewayAdmin) {

  /** The documented ports of the sandbox. */
  static Ports defaults() {
    return new Ports(8080, 8082, 8083, 8090, 9090, 8000, 9000);
  }

  /** Free ports, for tests that must not clash with a running sandbox. */
  static Ports free() {
    return new Ports(free(0), free(0), free(0), free(0), free(0), free(0), free(0));
  }

  private static int free(int ignored) {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
