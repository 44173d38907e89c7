package io.pulse.http.edge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.pekko.util.ByteString;

/**
 * The head of an HTTP/1.1 request (request line and header fields), parsed strictly: lines end with
 * CRLF, no folded headers, ASCII only. Used only for the WebSocket upgrade on {@link FrontDoor}; every
 * other request goes to Pekko HTTP unparsed.
 *
 * @param headers field names in lower case; repeated fields keep every value in order
 */
public record RequestHead(String method, String path, String query, String version, Map<String, List<String>> headers) {

  /** The request could not be read as an HTTP/1.1 head; answered with {@code status} and the connection closed. */
  public static final class Malformed extends Exception {
    private final int status;

    public Malformed(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  private static final ByteString CRLF = ByteString.fromString("\r\n");
  private static final ByteString END_OF_HEAD = ByteString.fromString("\r\n\r\n");

  /** The length of the request line including its CRLF, or -1 while it is incomplete. */
  public static int requestLineLength(ByteString bytes) {
    int at = bytes.indexOfSlice(CRLF);
    return at < 0 ? -1 : at + 2;
  }

  /** The length of the whole head including the empty line that ends it, or -1 while it is incomplete. */
  public static int headLength(ByteString bytes) {
    int at = bytes.indexOfSlice(END_OF_HEAD);
    return at < 0 ? -1 : at + 4;
  }

  /** The path of a request line ({@code GET /ws?x=1 HTTP/1.1} → {@code /ws}), or null if it is not one. */
  public static String path(ByteString requestLine) {
    String line = ascii(requestLine);
    int first = line.indexOf(' ');
    int second = first < 0 ? -1 : line.indexOf(' ', first + 1);
    return second < 0 ? null : pathOf(line.substring(first + 1, second));
  }

  private static String pathOf(String target) {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  /** Parses a complete head, as delimited by {@link #headLength}. */
  public static RequestHead parse(ByteString head) throws Malformed {
    String text = ascii(head);
    if (!text.endsWith("\r\n\r\n")) throw new Malformed(400, "incomplete request head");
    String[] lines = text.substring(0, text.length() - 4).split("\r\n", -1);
    String[] requestLine = lines[0].split(" ", -1);
    if (requestLine.length != 3 || !isToken(requestLine[0]) || !requestLine[1].startsWith("/") || !isVisibleAscii(requestLine[1])) {
      throw new Malformed(400, "malformed request line");
    }
    if (!requestLine[2].equals("HTTP/1.1")) throw new Malformed(505, "only HTTP/1.1 can be upgraded to a WebSocket");
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      int colon = line.indexOf(':');
      if (colon <= 0 || line.charAt(0) == ' ' || line.charAt(0) == '\t') throw new Malformed(400, "malformed header field");
      String name = line.substring(0, colon);
      if (!isToken(name)) throw new Malformed(400, "malformed header name");
      if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) throw new Malformed(400, "bare CR or LF in a header field");
      headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
    }
    String target = requestLine[1];
    String path = pathOf(target);
    String query = path.length() < target.length() ? target.substring(path.length() + 1) : "";
    return new RequestHead(requestLine[0], path, query, requestLine[2], headers);
  }

  /** The field's single value, or null if absent; a field given twice is malformed. */
  public String header(String lowerCaseName) throws Malformed {
    List<String> values = headers.get(lowerCaseName);
    if (values == null) return null;
    if (values.size() > 1) throw new Malformed(400, "repeated header field " + lowerCaseName);
    return values.get(0);
  }

  /** The comma-separated elements of every occurrence of a list-valued field, trimmed, empty ones dropped. */
  public List<String> listHeader(String lowerCaseName) {
    List<String> elements = new ArrayList<>();
    for (String value : headers.getOrDefault(lowerCaseName, List.of())) {
      for (String element : value.split(",")) {
        String e = element.strip();
        if (!e.isEmpty()) elements.add(e);
      }
    }
    return elements;
  }

  /** The first value of query parameter {@code name}, percent-decoded, or null. */
  public String queryParameter(String name) throws Malformed {
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (!key.equals(name)) continue;
      try {
        return java.net.URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new Malformed(400, "malformed query parameter " + name);
      }
    }
    return null;
  }

  private static String ascii(ByteString bytes) {
    // one char per byte, so that offsets in the text are offsets in the bytes
    return bytes.decodeString(StandardCharsets.ISO_8859_1);
  }

  private static boolean isVisibleAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) <= ' ' || s.charAt(i) >= 0x7f) return false;
    }
    return true;
  }

  private static boolean isToken(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) return false;
    }
    return !s.isEmpty();
  }
}
