package dev.strangler.gateway.shadow;

import dev.strangler.gateway.routing.ManagedRoute;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * Shadow mode: the client gets the legacy answer as it streams (nothing waits for the copy); a
 * copy of the request goes to the new service at the same time; when both answers are in they
 * are compared. Copies in flight are bounded per route: beyond the bound a copy is dropped and
 * counted, never queued.
 */
public class ShadowCopier {

  static final String SHADOW_HEADER = "X-Strangler-Shadow";
  private static final Logger log = LoggerFactory.getLogger(ShadowCopier.class);
  private static final byte[] EMPTY = new byte[0];
  private static final Set<String> NOT_COPIED = Set.of("host", "content-length", "transfer-encoding",
      "connection", "keep-alive", "upgrade", "te", "trailer", "proxy-connection", "expect");

  private final WebClient client;
  private final Supplier<List<HttpHeadersFilter>> headersFilters;

  /**
   * @param client sends the copies (its own connection pool, apart from client traffic)
   * @param headersFilters Spring Cloud Gateway's request header filters (hop-by-hop removal,
   *     forwarded headers), applied to a copy as to the proxied request; read on first use
   */
  public ShadowCopier(WebClient client, Supplier<List<HttpHeadersFilter>> headersFilters) {
    this.client = client;
    this.headersFilters = headersFilters;
  }

  /**
   * Forwards to legacy and sends a copy to the route's new service.
   *
   * @param exchange the client's exchange
   * @param route a route in shadow mode
   * @param forward forwards an exchange to legacy (the caller's normal path)
   * @return completes when the legacy answer's headers are in, as without shadowing
   */
  public Mono<Void> forwardWithCopy(ServerWebExchange exchange, ManagedRoute route,
      Function<ServerWebExchange, Mono<Void>> forward) {
    ShadowPolicy policy = route.shadow();
    if (!policy.tryAcquire()) {
      return forward.apply(exchange);
    }
    ServerHttpRequest request = exchange.getRequest();
    HttpHeaders headers = request.getHeaders();
    boolean hasBody = headers.getContentLength() > 0 || headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
    if (!hasBody) {
      return start(exchange, route, EMPTY, forward);
    }
    long length = headers.getContentLength();
    if (length < 0 || length > policy.maxBodyBytes()) {
      // only bodies of known, bounded size are buffered for a copy
      policy.release();
      policy.recordSkipped();
      return forward.apply(exchange);
    }
    return DataBufferUtils.join(request.getBody())
        .map(buffer -> {
          byte[] bytes = new byte[buffer.readableByteCount()];
          buffer.read(bytes);
          DataBufferUtils.release(buffer);
          return bytes;
        })
        .defaultIfEmpty(EMPTY)
        // until the body is in, this method owns the copy slot; afterwards start() does
        .doOnError(e -> policy.release())
        .doOnCancel(policy::release)
        .flatMap(bytes -> {
          ServerHttpRequest replay = new ServerHttpRequestDecorator(request) {
            @Override
            public Flux<DataBuffer> getBody() {
              return Flux.defer(() -> Flux.just(exchange.getResponse().bufferFactory().wrap(bytes)));
            }
          };
          return start(exchange.mutate().request(replay).build(), route, bytes, forward);
        });
  }

  private Mono<Void> start(ServerWebExchange exchange, ManagedRoute route, byte[] body,
      Function<ServerWebExchange, Mono<Void>> forward) {
    ShadowPolicy policy = route.shadow();
    ServerHttpRequest request = exchange.getRequest();
    String method = request.getMethod().name();
    String path = request.getURI().getRawPath();
    Sinks.One<CapturedResponse> legacy = Sinks.one();
    Mono<CapturedResponse> copy = send(route.extractedUri(), exchange, body, policy);
    // noise sampling: the monolith is asked again once its first answer is in (not at the same
    // instant, so a timestamp gets the chance to move); its failure only loses the sample
    Mono<Optional<CapturedResponse>> again = policy.samplesNoise(method, NoiseTable.endpoint(method, path))
        ? legacy.asMono().then(send(route.legacyUri(), exchange, body, policy)).map(Optional::of)
            .onErrorReturn(Optional.empty())
        : Mono.just(Optional.empty());
    Mono.zip(legacy.asMono(), copy, again)
        .timeout(policy.timeout())
        // parsing and walking two HTML or JSON documents is CPU work: not on the event loop
        .publishOn(Schedulers.parallel())
        .doFinally(signal -> policy.release())
        .subscribe(
            answers -> policy.record(method, path, answers.getT1(), answers.getT2(), answers.getT3().orElse(null)),
            error -> {
              policy.recordFailure();
              log.debug("Route {}: shadow copy of {} {} failed: {}", route.name(), method, path, error.toString());
            });
    TeeResponse tee = new TeeResponse(exchange.getResponse(), policy.maxBodyBytes(), legacy);
    return forward.apply(exchange.mutate().response(tee).build())
        .doOnError(legacy::tryEmitError)
        .doOnCancel(() -> legacy.tryEmitError(new IllegalStateException("client cancelled")));
  }

  private Mono<CapturedResponse> send(URI backend, ServerWebExchange exchange, byte[] body, ShadowPolicy policy) {
    ServerHttpRequest request = exchange.getRequest();
    HttpHeaders copied = HttpHeadersFilter.filterRequest(headersFilters.get(), exchange);
    URI incoming = request.getURI();
    URI target = URI.create(backend + incoming.getRawPath()
        + (incoming.getRawQuery() == null ? "" : "?" + incoming.getRawQuery()));
    WebClient.RequestBodySpec spec = client.method(HttpMethod.valueOf(request.getMethod().name()))
        .uri(target)
        .headers(h -> {
          copied.forEach((name, values) -> {
            if (!NOT_COPIED.contains(name.toLowerCase())) {
              h.addAll(name, values);
            }
          });
          h.set(SHADOW_HEADER, "true");
        });
    WebClient.RequestHeadersSpec<?> ready = body.length > 0 ? spec.bodyValue(body) : spec;
    int limit = policy.maxBodyBytes();
    return ready.exchangeToMono(response -> response.bodyToMono(byte[].class)
        .defaultIfEmpty(EMPTY)
        .map(bytes -> new CapturedResponse(response.statusCode().value(),
            response.headers().contentType().map(Object::toString).orElse(null),
            bytes.length > limit ? EMPTY : bytes, bytes.length > limit)));
  }

  /** Copies the legacy body as it streams to the client, up to a limit. */
  private static final class TeeResponse extends ServerHttpResponseDecorator {

    private final int limit;
    private final Sinks.One<CapturedResponse> sink;
    private ByteBuffer copy = ByteBuffer.allocate(0);
    private boolean truncated;

    TeeResponse(ServerHttpResponse delegate, int limit, Sinks.One<CapturedResponse> sink) {
      super(delegate);
      this.limit = limit;
      this.sink = sink;
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
      return super.writeWith(Flux.from(body).doOnNext(this::copy).doOnComplete(this::done)
          .doOnError(sink::tryEmitError));
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
      return super.writeAndFlushWith(Flux.from(body)
          .map(chunk -> Flux.from(chunk).doOnNext(this::copy))
          .doOnComplete(this::done)
          .doOnError(sink::tryEmitError));
    }

    @Override
    public Mono<Void> setComplete() {
      done();
      return super.setComplete();
    }

    private void copy(DataBuffer buffer) {
      int n = buffer.readableByteCount();
      if (truncated) {
        return;
      }
      if (copy.position() + n > limit) {
        truncated = true;
        return;
      }
      if (copy.remaining() < n) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.min(limit, Math.max(copy.capacity() * 2, copy.position() + n)));
        copy.flip();
        bigger.put(copy);
        copy = bigger;
      }
      buffer.toByteBuffer(buffer.readPosition(), copy, copy.position(), n);
      copy.position(copy.position() + n);
    }

    private void done() {
      HttpStatusCode status = getStatusCode();
      byte[] bytes = truncated ? EMPTY : java.util.Arrays.copyOf(copy.array(), copy.position());
      sink.tryEmitValue(new CapturedResponse(status == null ? 200 : status.value(),
          getHeaders().getFirst(HttpHeaders.CONTENT_TYPE), bytes, truncated));
    }
  }
}
