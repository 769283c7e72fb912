package io.spaceduck.core.internal;

import io.spaceduck.api.Admin;
import io.spaceduck.api.Audit;
import io.spaceduck.api.BeakKey;
import io.spaceduck.api.Bonds;
import io.spaceduck.api.Certificates;
import io.spaceduck.api.Hatching;
import io.spaceduck.api.Identities;
import io.spaceduck.api.Keys;
import io.spaceduck.api.Principal;
import io.spaceduck.api.SpaceDuck;
import java.util.concurrent.atomic.AtomicBoolean;

/** The engine facade: wires the sub-APIs over one {@link Core}. Thread-safe. */
final class EngineImpl implements SpaceDuck {
  private final Core core;
  private final Authenticator authenticator; // the benchmarked hot path: one field away
  private final boolean closeStorage;
  private final HatchingImpl hatching;
  private final CertificatesImpl certificates;
  private final KeysImpl keys;
  private final BondsImpl bonds;
  private final IdentitiesImpl identities;
  private final AuditImpl audit;
  private final AdminImpl admin;
  private final PecksImpl pecks;
  private final PulsesImpl pulses;
  private final BlocksImpl blocks;
  private final AtomicBoolean closed = new AtomicBoolean();

  EngineImpl(Core core, boolean closeStorage) {
    this.core = core;
    this.authenticator = core.authenticator;
    this.closeStorage = closeStorage;
    this.hatching = new HatchingImpl(core);
    this.certificates = new CertificatesImpl(core);
    this.keys = new KeysImpl(core);
    this.bonds = new BondsImpl(core);
    this.identities = new IdentitiesImpl(core);
    this.audit = new AuditImpl(core);
    this.admin = new AdminImpl(core, hatching);
    this.pecks = new PecksImpl(core);
    this.pulses = new PulsesImpl(core);
    this.blocks = new BlocksImpl(core);
  }

  /** The wiring, for tests in this package that turn a knob of a collaborator. */
  Core core() {
    return core;
  }

  @Override
  public Principal authenticate(BeakKey key) {
    return authenticator.authenticate(key).principal();
  }

  @Override
  public Hatching hatching() {
    return hatching;
  }

  @Override
  public Certificates certificates() {
    return certificates;
  }

  @Override
  public Keys keys() {
    return keys;
  }

  @Override
  public Bonds bonds() {
    return bonds;
  }

  @Override
  public Identities identities() {
    return identities;
  }

  @Override
  public Audit audit() {
    return audit;
  }

  @Override
  public io.spaceduck.api.Pecks pecks() {
    return pecks;
  }

  @Override
  public io.spaceduck.api.Pulses pulses() {
    return pulses;
  }

  @Override
  public io.spaceduck.api.Blocks blocks() {
    return blocks;
  }

  @Override
  public Admin admin() {
    return admin;
  }

  @Override
  public String engineVersion() {
    return core.version;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      core.dispatcher.close();
      if (core.transparency.keeper().isPresent()) {
        try {
          core.transparency.checkpointAndKeep();
        } catch (RuntimeException e) {
          // closing must not fail; the next open checks against the checkpoint kept before
          org.slf4j.LoggerFactory.getLogger(EngineImpl.class)
              .error("could not keep the audit checkpoint on close: {}", e.toString());
        }
      }
      if (closeStorage) {
        core.storage.close();
      }
    }
  }

  @Override
  public String toString() {
    return "SpaceDuck[" + core.version + ", " + core.storage.describe() + "]";
  }
}
