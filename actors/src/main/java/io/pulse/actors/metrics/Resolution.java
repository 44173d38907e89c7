package io.pulse.actors.metrics;

/** The three window sizes every series keeps: 10 s, 1 min and 1 h. */
public enum Resolution {
  S10("10s", 10_000L),
  M1("1m", 60_000L),
  H1("1h", 3_600_000L);

  public final String label;
  public final long millis;

  Resolution(String label, long millis) {
    this.label = label;
    this.millis = millis;
  }

  /** The start of the window holding {@code ts}. */
  public long start(long ts) {
    return Math.floorDiv(ts, millis) * millis;
  }

  /** The coarsest resolution that divides {@code stepMs}, which must be a multiple of 10 s. */
  public static Resolution forStep(long stepMs) {
    if (stepMs % H1.millis == 0) return H1;
    if (stepMs % M1.millis == 0) return M1;
    if (stepMs % S10.millis == 0) return S10;
    throw new IllegalArgumentException("step must be a multiple of 10s");
  }

  public static Resolution of(String label) {
    for (Resolution r : values()) if (r.label.equals(label)) return r;
    throw new IllegalArgumentException("no resolution " + label);
  }
}
