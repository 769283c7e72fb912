package io.spaceduck.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The allocation-free accessors of {@link Hash} that the audit verifier uses. */
class HashTest {
  private static byte[] sample() {
    byte[] b = new byte[Hash.LENGTH];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i * 7 + 1);
    }
    return b;
  }

  @Test
  void copyTo_writesTheBytesAtTheOffsetAndNothingElse() {
    byte[] dst = new byte[Hash.LENGTH + 10];
    Arrays.fill(dst, (byte) 0x55);
    Hash.of(sample()).copyTo(dst, 5);
    assertArrayEquals(sample(), Arrays.copyOfRange(dst, 5, 5 + Hash.LENGTH));
    assertArrayEquals(new byte[] {0x55, 0x55, 0x55, 0x55, 0x55}, Arrays.copyOf(dst, 5));
    assertArrayEquals(new byte[] {0x55, 0x55, 0x55, 0x55, 0x55}, Arrays.copyOfRange(dst, 5 + Hash.LENGTH, dst.length));
  }

  @Test
  void copyTo_refusesTooLittleRoom() {
    assertThrows(IndexOutOfBoundsException.class, () -> Hash.ZERO.copyTo(new byte[Hash.LENGTH], 1));
  }

  @Test
  void contentEquals_comparesEveryByteAndTheLength() {
    Hash h = Hash.of(sample());
    assertTrue(h.contentEquals(sample()));
    for (int i = 0; i < Hash.LENGTH; i++) {
      byte[] other = sample();
      other[i] ^= (byte) 0x80;
      assertFalse(h.contentEquals(other), "byte " + i);
    }
    assertFalse(h.contentEquals(Arrays.copyOf(sample(), Hash.LENGTH - 1)));
    assertFalse(h.contentEquals(Arrays.copyOf(sample(), Hash.LENGTH + 1)));
  }
}
