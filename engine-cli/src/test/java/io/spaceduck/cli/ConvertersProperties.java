package io.spaceduck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import picocli.CommandLine.TypeConversionException;

/** Durations on the command line: short forms, combinations and ISO-8601 agree. */
class ConvertersProperties {
  @Property(tries = 300)
  void shortForm_andIso_andHumanForm_agree(@ForAll @LongRange(min = 1, max = 40L * 24 * 3600) long seconds) {
    Duration d = Duration.ofSeconds(seconds);
    assertEquals(d, Converters.Span.parse(Durations.human(d)));
    assertEquals(d, Converters.Span.parse(d.toString()));
  }

  @Example
  void examples() {
    assertEquals(Duration.ofMinutes(90), Converters.Span.parse("1h30m"));
    assertEquals(Duration.ofDays(2), Converters.Span.parse("2d"));
    assertEquals(Duration.ofMillis(1500), Converters.Span.parse("1s500ms"));
    assertEquals(Duration.ofMinutes(5), Converters.Span.parse("PT5M"));
    for (String bad : new String[] {"", "5", "m5", "5x", "1h 30m", "-5m", "P"}) {
      assertThrows(TypeConversionException.class, () -> Converters.Span.parse(bad), bad);
    }
  }
}
