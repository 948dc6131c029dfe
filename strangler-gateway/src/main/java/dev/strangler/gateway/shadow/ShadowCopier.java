package dev.strangler.gateway.shadow;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;

/**
 * Shadow mode: the client gets the legacy answer as it streams (nothing waits for the copy); a
 * copy of the request goes to the new service at the same time; when both answers are in they
 * are compared. Copies in flight are bounded per route: beyond the bound a copy is dropped and
 * counted, never queued.
 *
 * <p>The copy carries the headers the proxied request got from Spring Cloud Gateway's request
 * header filters (hop-by-hop removal, forwarded headers): {@link ShadowHeaders}, the last of
 * those filters, hands them over when the legacy forward runs them, so they are worked out once
 * per request, not twice. It goes out on a bare Reactor Netty {@link HttpClient} on the same event
 * loops as the client traffic; two answers with the same status and bytes are recorded on the
 * event loop (no parsing needed), any other pair is compared on {@link Schedulers#parallel()}.
 */
public class ShadowCopier {

  static final String SHADOW_HEADER = "X-Strangler-Shadow";
  /** Exchange attribute: the sink {@link ShadowHeaders} hands the proxied request's headers to. */
  static final String HEADERS_ATTR = ShadowCopier.class.getName() + ".headers";
  private static final Logger log = LoggerFactory.getLogger(ShadowCopier.class);
  private static final byte[] EMPTY = new byte[0];
  private static final Set<String> NOT_COPIED = notCopied("host", "content-length", "transfer-encoding",
      "connection", "keep-alive", "upgrade", "te", "trailer", "proxy-connection", "expect");

  private final HttpClient client;

  /**
   * @param client sends the copies (its own connection pool, apart from client traffic)
   */
  public ShadowCopier(HttpClient client) {
    this.client = client;
  }

  private static Set<String> notCopied(String... names) {
    Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    set.addAll(Arrays.asList(names));
    return set;
  }

  /**
   * Forwards to legacy and sends a copy to the route's new service.
   *
   * @param exchange the client's exchange
   * @param route a route in shadow mode
   * @param forward forwards an exchange to legacy (the caller's normal path)
   * @return completes when the legacy answer's headers are in, as without shadowing
   */
  public Mono<Void> forwardWithCopy(ServerWebExchange exchange, ShadowedRoute route,
      Function<ServerWebExchange, Mono<Void>> forward) {
    ShadowPolicy policy = route.policy();
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

  private Mono<Void> start(ServerWebExchange exchange, ShadowedRoute route, byte[] body,
      Function<ServerWebExchange, Mono<Void>> forward) {
    ShadowPolicy policy = route.policy();
    ServerHttpRequest request = exchange.getRequest();
    String method = request.getMethod().name();
    String path = request.getURI().getRawPath();
    String query = request.getURI().getRawQuery();
    String pathAndQuery = query == null ? path : path + '?' + query;
    Sinks.One<CapturedResponse> legacy = Sinks.one();
    // the proxied request's filtered headers, handed over by ShadowHeaders when the forward runs
    Sinks.One<HttpHeaders> filtered = Sinks.one();
    exchange.getAttributes().put(HEADERS_ATTR, filtered);
    Mono<HttpHeaders> headers = filtered.asMono();
    Mono<CapturedResponse> copy = headers.flatMap(h -> send(route.extractedUri() + pathAndQuery, method, h, body, policy));
    // noise sampling: the monolith is asked again once its first answer is in (not at the same
    // instant, so a timestamp gets the chance to move); its failure only loses the sample
    Mono<Optional<CapturedResponse>> again = policy.samplesNoise(method, NoiseTable.endpoint(method, path))
        ? legacy.asMono().then(headers)
            .flatMap(h -> send(route.legacyUri() + pathAndQuery, method, h, body, policy)).map(Optional::of)
            .onErrorReturn(Optional.empty())
        : Mono.just(Optional.empty());
    Mono.zip(legacy.asMono(), copy, again)
        .timeout(policy.timeout())
        // parsing and walking two HTML or JSON documents is CPU work: not on the event loop
        .flatMap(answers -> ShadowPolicy.sameAnswer(answers.getT1(), answers.getT2()) && answers.getT3().isEmpty()
            ? Mono.just(answers) : Mono.just(answers).publishOn(Schedulers.parallel()))
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

  private Mono<CapturedResponse> send(String url, String method, HttpHeaders headers, byte[] body,
      ShadowPolicy policy) {
    int limit = policy.maxBodyBytes();
    return client.request(io.netty.handler.codec.http.HttpMethod.valueOf(method))
        .uri(url)
        .send((request, outbound) -> {
          io.netty.handler.codec.http.HttpHeaders out = request.requestHeaders();
          for (Map.Entry<String, java.util.List<String>> header : headers.headerSet()) {
            if (!NOT_COPIED.contains(header.getKey())) {
              out.add(header.getKey(), header.getValue());
            }
          }
          out.set(SHADOW_HEADER, "true");
          if (body.length == 0) {
            return outbound;
          }
          out.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
          return outbound.sendByteArray(Mono.just(body));
        })
        .response((response, content) -> content
            .collect(() -> new BodyCapture(limit), BodyCapture::add)
            .map(captured -> captured.answer(response)))
        .next();
  }

  /** A copy's answer body as it arrives, kept up to a limit (the rest is read and let go). */
  private static final class BodyCapture {

    private final int limit;
    private byte[] bytes = EMPTY;
    private int size;
    private boolean truncated;

    BodyCapture(int limit) {
      this.limit = limit;
    }

    void add(ByteBuf chunk) {
      int n = chunk.readableBytes();
      if (truncated) {
        return;
      }
      if (size + n > limit) {
        truncated = true;
        bytes = EMPTY;
        return;
      }
      if (bytes.length - size < n) {
        bytes = Arrays.copyOf(bytes, Math.min(limit, Math.max(bytes.length * 2, size + n)));
      }
      chunk.getBytes(chunk.readerIndex(), bytes, size, n);
      size += n;
    }

    CapturedResponse answer(HttpClientResponse response) {
      byte[] body = truncated ? EMPTY : size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
      return new CapturedResponse(response.status().code(),
          response.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE), body, truncated);
    }
  }

  /** Copies the legacy body as it streams to the client, up to a limit. */
  private static final class TeeResponse extends ServerHttpResponseDecorator {

    private final int limit;
    private final Sinks.One<CapturedResponse> sink;
    private byte[] copy = EMPTY;
    private int size;
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
      if (size + n > limit) {
        truncated = true;
        return;
      }
      if (copy.length - size < n) {
        copy = Arrays.copyOf(copy, Math.min(limit, Math.max(copy.length * 2, size + n)));
      }
      buffer.toByteBuffer(buffer.readPosition(), ByteBuffer.wrap(copy), size, n);
      size += n;
    }

    private void done() {
      HttpStatusCode status = getStatusCode();
      // one chunk of a known size (the common case) fills the array exactly: no second copy
      byte[] bytes = truncated ? EMPTY : size == copy.length ? copy : Arrays.copyOf(copy, size);
      sink.tryEmitValue(new CapturedResponse(status == null ? 200 : status.value(),
          getHeaders().getFirst(HttpHeaders.CONTENT_TYPE), bytes, truncated));
    }
  }
}
