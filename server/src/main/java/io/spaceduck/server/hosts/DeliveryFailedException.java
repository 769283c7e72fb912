package io.spaceduck.server.hosts;

/**
 * Thrown by {@link SmtpVerificationDelivery} when a verification email was not handed to the mail server.
 * The engine turns it into its generic hatch rejection (H1, H2). The message is fixed and there is no
 * cause: mail errors quote addresses, so the diagnosis goes to the log line written before the throw
 * (status code and exception class only), never into this exception.
 */
public final class DeliveryFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  DeliveryFailedException() {
    super("the verification email could not be sent", null, false, false);
  }
}
