/** Field checks shared by every entry point, and a collector that reports all bad fields at once. */
import { HostwireError, invalid, type FieldError } from './errors.ts';

// vCenter names its switches and hosts freely ("DSwitch 1", FQDNs), and auto-created wires are
// named account/host/vswitch: names allow space and '/' inside, not at either end.
const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._:@/ -]{0,251}[A-Za-z0-9._-])?$/;

/** An object name: 1-253 letters, digits, and . _ - (also : @ / and space inside). */
export function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value) || /[ /]{2}/.test(value)) {
    throw invalid(field, `${JSON.stringify(value ?? '')} is not a valid name: use 1-253 letters, digits, '.', '_' or '-' (and ':', '@', '/' or single spaces inside), starting with a letter or digit`);
  }
  return value;
}

export function checkInteger(field: string, value: unknown, min: number, max: number, what = 'an integer'): number {
  const number = typeof value === 'string' && /^-?[0-9]+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
    throw invalid(field, `${JSON.stringify(value)} is not allowed: use ${what} from ${min} to ${max}`);
  }
  return number;
}

export const checkLimit = (value: unknown, field = 'limit') => checkInteger(field, value, 1, 10_000_000, 'a row count');
export const checkVlan = (field: string, value: unknown) => checkInteger(field, value, 0, 4094, 'a VLAN ID (0 untagged, 1-4094 tagged)');
export const checkMtu = (field: string, value: unknown) => checkInteger(field, value, 68, 9216, 'an MTU');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A UUID (VM BIOS or instance UUID, host hardware UUID), lowercased. */
export function checkUuid(field: string, value: string): string {
  const normalized = String(value ?? '').trim().toLowerCase();
  if (!UUID.test(normalized)) throw invalid(field, `'${value}' is not a UUID: use 8-4-4-4-12 hex digits, e.g. 4210a1b2-0c3d-4e5f-8a9b-0c1d2e3f4a5b`);
  return normalized;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** A MAC address, lowercased with colons (dashes accepted). */
export function checkMac(field: string, value: string): string {
  const normalized = String(value ?? '').trim().toLowerCase().replaceAll('-', ':');
  if (!MAC.test(normalized)) throw invalid(field, `'${value}' is not a MAC address: use six hex pairs, e.g. 00:50:56:aa:bb:cc`);
  return normalized;
}

const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

export function checkDomainName(field: string, value: unknown): string {
  const text = typeof value === 'string' ? value.trim().replace(/\.$/, '') : '';
  if (!text || text.length > 253 || !text.split('.').every((label) => LABEL.test(label))) {
    throw invalid(field, `${JSON.stringify(value ?? '')} is not a DNS domain: use dot-separated labels of letters, digits and '-', e.g. lab.example.com`);
  }
  return text.toLowerCase();
}

export function checkOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(field, `${JSON.stringify(value ?? '')} is not allowed: use one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/**
 * Runs field checks and collects every failure, so a user fixes all bad fields in one go:
 * `const v = new Checks(); const name = v.check(() => checkName('name', input.name)); v.done();`
 */
export class Checks {
  private readonly errors: FieldError[] = [];

  check<T>(run: () => T): T | undefined {
    try {
      return run();
    } catch (error) {
      if (error instanceof HostwireError && error.kind === 'validation') {
        this.errors.push(...error.fields);
        return undefined;
      }
      throw error;
    }
  }

  fail(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  get failed(): boolean {
    return this.errors.length > 0;
  }

  /** Throws one validation error listing every failure, if there was any. */
  done(): void {
    if (!this.errors.length) return;
    const message = this.errors.map((error) => `${error.path}: ${error.message}`).join('; ');
    throw new HostwireError('validation', message, this.errors);
  }
}
