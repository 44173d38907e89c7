package io.pulse.http;

import io.pulse.http.auth.AuthenticatedUser;
import io.pulse.http.auth.TokenRejected;
import io.pulse.http.auth.TokenVerifier;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The token check of the read-only /api and /sse routes: the WebSocket's token, as {@code Authorization:
 * Bearer} or, for browsers' EventSource which cannot set headers, {@code access_token} in the query.
 */
final class BearerAuth extends AllDirectives {
  private final TokenVerifier verifier;

  BearerAuth(TokenVerifier verifier) {
    this.verifier = verifier;
  }

  Route authenticated(Function<AuthenticatedUser, Route> inner) {
    return optionalHeaderValueByName(
        "Authorization",
        header ->
            parameterOptional(
                "access_token",
                query -> {
                  String token = header.filter(h -> h.regionMatches(true, 0, "Bearer ", 0, 7)).map(h -> h.substring(7).strip()).orElse(query.orElse(null));
                  if (token == null) return unauthorized("a bearer token is required");
                  try {
                    return inner.apply(verifier.verify(token));
                  } catch (TokenRejected rejected) {
                    return unauthorized(rejected.getMessage());
                  }
                }));
  }

  private Route unauthorized(String message) {
    return respondWithHeader(
        HttpHeader.parse("WWW-Authenticate", "Bearer realm=\"pulse\""),
        () -> complete(StatusCodes.UNAUTHORIZED, Map.of("error", "unauthorized", "message", message), Jackson.marshaller()));
  }
}
