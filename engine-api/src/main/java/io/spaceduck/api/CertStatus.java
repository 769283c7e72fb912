package io.spaceduck.api;

/** Whether a certificate is its subject's current one (C3, I6). */
public enum CertStatus {
  /** The subject's one current certificate. */
  CURRENT,
  /** Superseded by a later certificate (e.g. on a tier change); still retrievable and verifiable. */
  SUPERSEDED
}
