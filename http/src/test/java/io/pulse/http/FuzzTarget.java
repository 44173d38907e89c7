package io.pulse.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Pulse's fuzz targets: a {@link FuzzTest} that fuzzes for 30 s when run with JAZZER_FUZZ=1 (the
 * normal suite only replays its seed corpus). For a long run raise maxDuration here, e.g. to "2h"
 * (docs/benchmarks.md, "Fuzzing").
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@FuzzTest(maxDuration = "30s")
public @interface FuzzTarget {}
