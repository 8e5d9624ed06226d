/**
 * What can go wrong talking to vCenter, as typed errors: SOAP faults by their vim25 name, and the
 * transport failures (refused, unreachable, TLS, timeout, malformed answer) with a sentence that
 * says what to check. No message ever carries the password.
 */
export class VsphereError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A SOAP fault from the server, e.g. InvalidLogin, NotAuthenticated, ManagedObjectNotFound. */
export class VimFault extends VsphereError {
  readonly fault: string;
  readonly detail: unknown;
  constructor(fault: string, message: string, detail?: unknown) {
    super(message);
    this.fault = fault;
    this.detail = detail;
  }
}

export class InvalidLogin extends VimFault {}
export class NotAuthenticated extends VimFault {}
export class ManagedObjectNotFound extends VimFault {}

const FAULTS: Record<string, new (fault: string, message: string, detail?: unknown) => VimFault> = {
  InvalidLogin,
  NotAuthenticated,
  ManagedObjectNotFound,
};

export function vimFault(fault: string, message: string, detail?: unknown): VimFault {
  const Kind = FAULTS[fault] ?? VimFault;
  return new Kind(fault, message, detail);
}

/** The server could not be reached or the connection broke: refused, unknown host, reset. */
export class VsphereConnectionError extends VsphereError {}
/** The server's certificate was not trusted, or did not match the pinned thumbprint. */
export class VsphereTlsError extends VsphereError {}
/** No answer within the timeout. */
export class VsphereTimeoutError extends VsphereError {}
/** The answer was not a SOAP document this client understands (truncated, not XML, wrong shape). */
export class VsphereProtocolError extends VsphereError {}
/** A task (ReconfigVM_Task, CustomizeVM_Task) ended in error. */
export class VsphereTaskError extends VsphereError {}
