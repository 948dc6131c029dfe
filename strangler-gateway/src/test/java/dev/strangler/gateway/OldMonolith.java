package dev.strangler.gateway;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A backend that behaves like an older server-rendered monolith, not like our reference app:
 * HTML pages with a per-request CSRF token, script nonce and render timestamp; a session cookie
 * ({@code JSESSIONID}) the token is bound to; form posts answered with an absolute redirect built
 * from the forwarded headers; rows keyed by its own identity sequence (no sync to the other side:
 * a read on the wrong side finds nothing, or another row, and answers 500 like the monolith did).
 * Two instances stand for the monolith and its rewrite: the same pages, written with other
 * whitespace, attribute order and class order ({@link Markup}).
 */
public final class OldMonolith implements AutoCloseable {

  /** How the pages are written: the same documents either way. */
  public enum Markup {
    /** indented, one element a line, attributes in one order, comments */
    PRETTY,
    /** one line, attributes and class tokens in another order, no comments */
    COMPACT
  }

  private static final Pattern NOTE = Pattern.compile("/notes/(\\d+)");
  private static final Pattern REPORT = Pattern.compile("/report/(\\d+)");

  private final String name;
  private final Markup markup;
  private final HttpServer server;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, String> notes = new ConcurrentHashMap<>();
  private final Map<String, String> tokensBySession = new ConcurrentHashMap<>();
  private final AtomicInteger mispricedRow = new AtomicInteger(-1);

  public OldMonolith(String name, Markup markup) {
    this.name = name;
    this.markup = markup;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.start();
  }

  public String uri() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** From now on row {@code row} of every report shows another price (a real difference). */
  public void misprice(int row) {
    mispricedRow.set(row);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      String method = exchange.getRequestMethod();
      // a route prefix the tests put in front (/strict/notes/new) changes nothing
      String path = exchange.getRequestURI().getPath().replaceFirst("^/(strict|pages)(?=/)", "");
      exchange.getResponseHeaders().set("X-Served-By", name);
      Matcher note = NOTE.matcher(path);
      Matcher report = REPORT.matcher(path);
      if (method.equals("GET") && path.equals("/notes/new")) {
        String session = session(exchange);
        String token = random();
        tokensBySession.put(session, token);
        html(exchange, 200, formPage(token));
      } else if (method.equals("POST") && path.equals("/notes")) {
        Map<String, String> form = fields(body);
        String session = cookie(exchange.getRequestHeaders(), "JSESSIONID");
        if (session == null || form.get("_csrf") == null || !form.get("_csrf").equals(tokensBySession.get(session))) {
          html(exchange, 403, page("Forbidden", "<p>Invalid CSRF token</p>"));
          return;
        }
        long id = ids.incrementAndGet();
        notes.put(id, form.getOrDefault("title", ""));
        Headers in = exchange.getRequestHeaders();
        String proto = in.getFirst("X-Forwarded-Proto") != null ? in.getFirst("X-Forwarded-Proto") : "http";
        String host = in.getFirst("X-Forwarded-Host") != null ? in.getFirst("X-Forwarded-Host") : in.getFirst("Host");
        exchange.getResponseHeaders().set("Location", proto + "://" + host + "/notes/" + id);
        exchange.sendResponseHeaders(302, -1);
      } else if (method.equals("GET") && note.matches()) {
        String title = notes.get(Long.parseLong(note.group(1)));
        if (title == null) {
          html(exchange, 500, page("Error", "<p>note " + note.group(1) + " not found</p>"));
        } else {
          html(exchange, 200, page("Note " + note.group(1), "<h1 class=\"title\">" + title + "</h1>"));
        }
      } else if (method.equals("GET") && report.matches()) {
        html(exchange, 200, report(Integer.parseInt(report.group(1))));
      } else {
        html(exchange, 200, page("Other", "<p>" + name + "</p>"));
      }
    } finally {
      exchange.close();
    }
  }

  private String formPage(String token) {
    String nonce = random();
    String now = Instant.now().toString();
    if (markup == Markup.PRETTY) {
      return """
          <!DOCTYPE html>
          <html lang="en">
          <head>
            <meta charset="utf-8">
            <meta name="csrf-token" content="%1$s">
            <title>New note</title>
            <script nonce="%2$s">var renderedAt = '%3$s';</script>
          </head>
          <body class="page notes">
            <!-- rendered by the monolith -->
            <form method="post" action="/notes" class="note-form">
              <input type="hidden" name="_csrf" value="%1$s">
              <label for="title">Title</label>
              <input type="text" id="title" name="title" maxlength="80">
              <button type="submit" class="btn primary">Save</button>
            </form>
            <footer>Rendered at %3$s</footer>
          </body>
          </html>
          """.formatted(token, nonce, now);
    }
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta content=\"%1$s\" name=\"csrf-token\">"
        + "<title>New note</title><script nonce=\"%2$s\">var renderedAt = '%3$s';</script></head>"
        + "<body class=\"notes page\"><form class=\"note-form\" action=\"/notes\" method=\"post\">"
        + "<input value=\"%1$s\" name=\"_csrf\" type=\"hidden\"><label for=\"title\">Title</label>"
        + "<input maxlength=\"80\" name=\"title\" id=\"title\" type=\"text\"><button class=\"primary btn\" type=\"submit\">"
        + "Save</button></form><footer>Rendered at\n%3$s</footer></body></html>").formatted(token, nonce, now);
  }

  /** A long page: {@code rows} table rows, a token and a timestamp. */
  private String report(int rows) {
    StringBuilder table = new StringBuilder();
    for (int row = 1; row <= rows; row++) {
      String price = row == mispricedRow.get() ? "12.60" : "12.50";
      if (markup == Markup.PRETTY) {
        table.append("      <tr class=\"row\" data-sku=\"sku-").append(row).append("\">\n")
            .append("        <td>Item ").append(row).append("</td>\n")
            .append("        <td class=\"price\">").append(price).append("</td>\n")
            .append("      </tr>\n");
      } else {
        table.append("<tr data-sku=\"sku-").append(row).append("\" class=\"row\"><td>Item ").append(row)
            .append("</td><td class=\"price\">").append(price).append("</td></tr>");
      }
    }
    String body = "<table id=\"items\">" + table + "</table><p>Generated " + Instant.now() + "</p>";
    return page("Report", body);
  }

  private String page(String title, String content) {
    String token = random();
    if (markup == Markup.PRETTY) {
      return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta name=\"csrf-token\" content=\"" + token + "\">\n"
          + "  <title>" + title + "</title>\n</head>\n<body>\n  <main>\n    " + content + "\n  </main>\n</body>\n</html>\n";
    }
    return "<!doctype html><html lang=\"en\"><head><meta content=\"" + token + "\" name=\"csrf-token\"><title>" + title
        + "</title></head><body><main>" + content + "</main></body></html>";
  }

  private static void html(HttpExchange exchange, int status, String page) throws IOException {
    byte[] bytes = page.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/html;charset=UTF-8");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static String session(HttpExchange exchange) {
    String session = cookie(exchange.getRequestHeaders(), "JSESSIONID");
    if (session == null) {
      session = random();
      exchange.getResponseHeaders().add("Set-Cookie", "JSESSIONID=" + session + "; Path=/; HttpOnly");
    }
    return session;
  }

  private static String cookie(Headers headers, String name) {
    for (String header : headers.getOrDefault("Cookie", java.util.List.of())) {
      for (String pair : header.split(";")) {
        String[] kv = pair.trim().split("=", 2);
        if (kv.length == 2 && kv[0].equals(name)) {
          return kv[1];
        }
      }
    }
    return null;
  }

  private static Map<String, String> fields(String body) {
    Map<String, String> form = new HashMap<>();
    for (String pair : body.split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv.length == 2) {
        form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
      }
    }
    return form;
  }

  private static String random() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong()) + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
