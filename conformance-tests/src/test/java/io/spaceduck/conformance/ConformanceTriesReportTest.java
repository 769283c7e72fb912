package io.spaceduck.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * A failed contract property explains itself in its own failure: the seed, the first failure before
 * shrinking and the shrunk one — what a reader of CI's console tail needs (issue 14).
 */
class ConformanceTriesReportTest {
  @Test
  @DisplayName("a failed contract property's failure names its seed and carries the first, unshrunk failure; the report also goes to stderr")
  void failedProperty_explainsItself() {
    explainsItself(FailingPropertyFixture.class);
  }

  @Test
  @DisplayName("a property without the kit's hook is explained through the global registration in the test resources")
  void globallyRegistered_explainsItselfToo() {
    explainsItself(FailingPropertyFixture.Plain.class);
  }

  private static void explainsItself(Class<?> fixture) {
    List<TestExecutionResult> failures = new ArrayList<>();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream savedErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      Launcher launcher = LauncherFactory.create();
      launcher.execute(
          LauncherDiscoveryRequestBuilder.request().selectors(selectClass(fixture)).build(),
          new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
              if (id.isTest() && result.getStatus() == TestExecutionResult.Status.FAILED) {
                failures.add(result);
              }
            }
          });
    } finally {
      System.setErr(savedErr);
    }
    assertEquals(1, failures.size(), "the fixture's one property failed");
    Throwable failure = failures.get(0).getThrowable().orElseThrow();
    String message = failure.getMessage();
    assertInstanceOf(AssertionError.class, failure);
    assertTrue(message.startsWith("java.lang.AssertionError: too big: 10"), message);
    assertTrue(message.contains("seed 42"), message);
    assertEquals(message.indexOf(FailureReport.MARK), message.lastIndexOf(FailureReport.MARK), "explained once: " + message);
    assertTrue(message.contains("shrunk sample: [10]"), message);
    assertTrue(message.contains("shrinking steps"), message);
    assertNotNull(failure.getCause(), "the first failure is the cause, with its stack trace");
    String first = failure.getCause().getMessage();
    assertTrue(first.matches("too big: \\d+") && !first.equals("too big: 10"), "the first failure is unshrunk: " + first);
    String firstValue = first.substring("too big: ".length());
    assertTrue(message.contains("first failure, before shrinking: java.lang.AssertionError: " + first), message);
    assertTrue(message.contains("first failing sample: [" + firstValue + "]"), message);
    assertEquals("failsFromTen", failure.getStackTrace()[0].getMethodName(), "the reported line is the property's own");
    String printed = err.toString(StandardCharsets.UTF_8);
    assertTrue(printed.contains("[conformance kit]") && printed.contains("seed 42"), printed);
  }
}
