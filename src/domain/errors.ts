/**
 * Errors every layer raises and every entry point maps: the CLI to an exit code, the API to an
 * RFC 9457 problem with a status. Each carries a sentence a user can act on and, for bad input,
 * one entry per offending field.
 */
export type ErrorKind = 'validation' | 'conflict' | 'not_found' | 'unauthorized' | 'forbidden';

export interface FieldError {
  /** Dotted path of the offending input, e.g. `cidr` or `pools.1`. */
  path: string;
  message: string;
}

export class HostwireError extends Error {
  readonly kind: ErrorKind;
  readonly fields: FieldError[];

  constructor(kind: ErrorKind, message: string, fields: FieldError[] = []) {
    super(message);
    this.name = 'HostwireError';
    this.kind = kind;
    this.fields = fields;
  }
}

/** Bad input on one field: the message names the field and what is allowed. */
export function invalid(path: string, message: string): HostwireError {
  return new HostwireError('validation', `${path}: ${message}`, [{ path, message }]);
}

export function conflict(message: string, path?: string): HostwireError {
  return new HostwireError('conflict', message, path ? [{ path, message }] : []);
}

export function notFound(what: string, name: string): HostwireError {
  return new HostwireError('not_found', `${what} '${name}' does not exist`);
}
