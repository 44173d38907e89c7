package io.pulse.http.gateway;

import io.pulse.actors.auction.AuctionRules;
import java.util.regex.Pattern;

/**
 * Amounts on the wire (docs/protocol.md, "Auctions and flash sales"): a JSON string holding a decimal
 * number of major units with at most two decimals ({@code "12"}, {@code "12.5"}, {@code "12.50"}),
 * stored and decided as integer minor units (cents). A JSON number is refused: a binary floating-point
 * value cannot say "12.10" exactly. Rendered with exactly two decimals.
 */
public final class Money {
  private Money() {}

  public static final String INVALID_AMOUNT = AuctionRules.INVALID_AMOUNT;

  // 13 integer digits: 10^13 major units is the rules' MAX_AMOUNT of 10^15 minor units
  private static final Pattern DECIMAL = Pattern.compile("(0|[1-9][0-9]{0,12})(\\.[0-9]{1,2})?");

  /** Minor units of {@code text}, or {@link ProtocolError.Invalid} with {@value #INVALID_AMOUNT}. */
  public static long parse(String field, String text) throws ProtocolError.Invalid {
    if (text == null || !DECIMAL.matcher(text).matches()) {
      throw new ProtocolError.Invalid(INVALID_AMOUNT, "'" + field + "' must be a decimal string with at most 2 decimals, like \"12.50\"");
    }
    int dot = text.indexOf('.');
    long units = Long.parseLong(dot < 0 ? text : text.substring(0, dot));
    long cents = 0;
    if (dot >= 0) {
      String fraction = text.substring(dot + 1);
      cents = Long.parseLong(fraction.length() == 1 ? fraction + "0" : fraction);
    }
    return units * 100 + cents;
  }

  public static String format(long minor) {
    String sign = minor < 0 ? "-" : "";
    long abs = Math.abs(minor);
    long cents = abs % 100;
    return sign + (abs / 100) + "." + (cents < 10 ? "0" : "") + cents;
  }
}
