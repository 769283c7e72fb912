package io.spaceduck.server.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Which address a request counts as (H5): X-Forwarded-For only through trusted proxies, read from the right. */
@Tag("H5")
class ClientAddressTest {
  @Test
  void withoutTrustedProxies_theHeaderIsIgnored() {
    assertEquals("10.0.0.5", new ClientAddress(List.of()).resolve("10.0.0.5", List.of("1.2.3.4")));
  }

  @Test
  void anUntrustedPeer_cannotChooseItsAddress() {
    assertEquals("192.0.2.9", new ClientAddress(List.of("10.0.0.0/8")).resolve("192.0.2.9", List.of("1.2.3.4")));
  }

  @Test
  void throughTrustedProxies_theFirstUntrustedHopFromTheRightIsTheClient() {
    ClientAddress a = new ClientAddress(List.of("10.0.0.0/8", "::1/128"));
    // the client forged "6.6.6.6"; the edge proxy (10.1.1.1) appended the address it saw
    assertEquals("203.0.113.7", a.resolve("10.0.0.2", List.of("6.6.6.6, 203.0.113.7, 10.1.1.1")));
    assertEquals("203.0.113.7", a.resolve("10.0.0.2", List.of("6.6.6.6", "203.0.113.7")));
    assertEquals("2001:db8::1", a.resolve("0:0:0:0:0:0:0:1", List.of("2001:db8::1")));
    assertEquals("10.0.0.2", a.resolve("10.0.0.2", List.of()), "no header: the proxy itself");
    assertEquals("10.1.1.1", a.resolve("10.0.0.2", List.of("not-an-ip, 10.1.1.1")), "trust stops at an unparsable hop");
  }

  @Test
  void cidrs_matchByPrefix_andNamesAreRefused() {
    ClientAddress.Cidr c = ClientAddress.Cidr.parse("192.168.0.0/16");
    assertEquals(true, c.contains("192.168.200.1"));
    assertEquals(false, c.contains("192.169.0.1"));
    assertEquals(false, c.contains("::1"));
    assertEquals(true, ClientAddress.Cidr.parse("0.0.0.0/0").contains("8.8.8.8"));
    assertThrows(IllegalArgumentException.class, () -> ClientAddress.Cidr.parse("localhost"));
    assertThrows(IllegalArgumentException.class, () -> ClientAddress.Cidr.parse("10.0.0.0/33"));
  }
}
