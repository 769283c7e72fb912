package io.spaceduck.server.internal;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;

/**
 * Which address a request comes from, for the hatch rate limit (H5) and the failed-authentication
 * limit per source. The socket's peer, unless that peer is a trusted proxy (a CIDR of the host's
 * list): then {@code X-Forwarded-For} is read from the right, skipping trusted proxies, and the first
 * address no trusted proxy vouches for is the client. With no trusted proxy configured the header is
 * ignored entirely — a client cannot choose its own rate-limit bucket.
 */
public final class ClientAddress {
  private final List<Cidr> trusted;

  public ClientAddress(List<String> trustedProxyCidrs) {
    this.trusted = trustedProxyCidrs.stream().map(Cidr::parse).toList();
  }

  String resolve(String peer, List<String> forwardedFor) {
    if (trusted.isEmpty() || !isTrusted(peer)) {
      return peer;
    }
    String client = peer;
    for (int i = forwardedFor.size() - 1; i >= 0; i--) {
      String[] hops = forwardedFor.get(i).split(",");
      for (int j = hops.length - 1; j >= 0; j--) {
        String hop = hops[j].trim();
        if (!literal(hop)) {
          return client; // an unparsable hop: trust stops at the last proxy we know
        }
        client = hop;
        if (!isTrusted(hop)) {
          return hop;
        }
      }
    }
    return client;
  }

  private boolean isTrusted(String address) {
    return trusted.stream().anyMatch(c -> c.contains(address));
  }

  /** An IPv4 or IPv6 literal (never a name: resolving one would be a DNS lookup per request). */
  static boolean literal(String s) {
    return !s.isEmpty() && s.length() <= 45 && s.chars().allMatch(ch -> Character.digit(ch, 16) >= 0 || ch == '.' || ch == ':')
        && (s.indexOf(':') >= 0 || s.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}"));
  }

  /** A CIDR block such as {@code 10.0.0.0/8} or {@code ::1/128}; a bare address is a /32 or /128. */
  record Cidr(byte[] network, int bits) {
    Cidr {
      Objects.requireNonNull(network, "network");
    }

    static Cidr parse(String cidr) {
      String s = cidr.trim();
      int slash = s.indexOf('/');
      String addr = slash < 0 ? s : s.substring(0, slash);
      if (!literal(addr)) {
        throw new IllegalArgumentException("not an IP address or CIDR block: " + cidr);
      }
      byte[] bytes = bytes(addr);
      int bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(s.substring(slash + 1));
      if (bits < 0 || bits > bytes.length * 8) {
        throw new IllegalArgumentException("bad prefix length in " + cidr);
      }
      return new Cidr(bytes, bits);
    }

    boolean contains(String address) {
      if (!literal(address)) {
        return false;
      }
      byte[] a = bytes(address);
      if (a.length != network.length) {
        return false;
      }
      int shift = a.length * 8 - bits;
      BigInteger mask = bits == 0 ? BigInteger.ZERO : BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).shiftLeft(shift);
      return new BigInteger(1, a).and(mask).equals(new BigInteger(1, network).and(mask));
    }

    private static byte[] bytes(String literal) {
      try {
        return InetAddress.getByName(literal).getAddress(); // a literal: no DNS lookup
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("not an IP address: " + literal, e);
      }
    }
  }
}
