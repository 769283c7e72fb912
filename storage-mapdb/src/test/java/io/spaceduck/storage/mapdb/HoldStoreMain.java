package io.spaceduck.storage.mapdb;

import io.spaceduck.storage.StorageException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Child process of {@link MapDbStorageExclusivityTest}: opens the store named by {@code args[0]},
 * prints {@code OPEN}, holds it until a line arrives on stdin, then closes it and prints {@code
 * CLOSED}. If the open is refused it prints {@code REFUSED <message>} and exits with status 2.
 */
public final class HoldStoreMain {
  private HoldStoreMain() {}

  public static void main(String[] args) throws Exception {
    MapDbStorage store;
    try {
      store = MapDbStorage.open(Path.of(args[0]));
    } catch (StorageException e) {
      System.out.println("REFUSED " + e.getMessage());
      System.out.flush();
      System.exit(2);
      return;
    }
    System.out.println("OPEN");
    System.out.flush();
    new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    store.close();
    System.out.println("CLOSED");
    System.out.flush();
  }
}
