package io.pulse.actors.alerting;

import io.pulse.persistence.CborSerializable;
import java.util.List;
import java.util.Map;

/**
 * A silence: every matcher matches an alert's labels and the instant is in {@code [startsAt, endsAt)}; then the
 * alert's notifications are suppressed.
 */
public record Silence(String id, List<LabelMatcher> matchers, long startsAt, long endsAt, String createdBy, String comment)
    implements CborSerializable {
  public Silence {
    matchers = List.copyOf(matchers);
  }

  public boolean activeAt(long at) {
    return startsAt <= at && at < endsAt;
  }

  public boolean silences(Map<String, String> labels, long at) {
    if (!activeAt(at)) return false;
    for (LabelMatcher m : matchers) if (!m.matches(labels)) return false;
    return true;
  }

  public static boolean anySilences(List<Silence> silences, Map<String, String> labels, long at) {
    for (Silence s : silences) if (s.silences(labels, at)) return true;
    return false;
  }

  public Silence expiredAt(long at) {
    return new Silence(id, matchers, Math.min(startsAt, at), Math.min(endsAt, at), createdBy, comment);
  }
}
