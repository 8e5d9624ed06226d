/**
 * Address arithmetic for IPv4 and IPv6 on BigInt values. Parsing and formatting go through
 * ip-address; everything else (bounds, usable ranges, sort keys) is plain BigInt math so that a
 * /8 or a /64 costs the same as a /30.
 */
import { Address4, Address6 } from 'ip-address';
import { invalid } from './errors.ts';

export type Family = 4 | 6;

export interface IpAddress {
  family: Family;
  value: bigint;
  /** Canonical text: dotted quad, or RFC 5952 compressed lowercase IPv6. */
  text: string;
}

export interface Prefix {
  family: Family;
  network: bigint;
  length: number;
  /** The last address of the prefix (the IPv4 broadcast address). */
  last: bigint;
  /** Canonical text, e.g. `10.0.0.0/24`. */
  text: string;
}

export interface AddressRange {
  family: Family;
  first: bigint;
  last: bigint;
}

export const familyBits = (family: Family): number => (family === 4 ? 32 : 128);

export function formatAddress(family: Family, value: bigint): string {
  return family === 4 ? Address4.fromBigInt(value).correctForm() : Address6.fromBigInt(value).correctForm();
}

function describeFamilyRules(family: Family): string {
  return family === 4
    ? 'an IPv4 address is four decimal octets 0-255 without leading zeros, e.g. 192.0.2.10'
    : 'an IPv6 address is up to eight groups of hex digits with at most one "::", e.g. 2001:db8::10';
}

function parseWithLibrary(text: string): Address4 | Address6 | null {
  try {
    return text.includes(':') ? new Address6(text) : new Address4(text);
  } catch {
    return null;
  }
}

/** Parses a single address (no prefix length). */
export function parseAddress(input: string, field = 'address'): IpAddress {
  const text = String(input ?? '').trim();
  if (text === '') throw invalid(field, 'an IP address is required');
  if (text.includes('/')) throw invalid(field, `'${text}' has a prefix length; give a single address such as ${text.split('/')[0]}`);
  if (text.includes('%')) throw invalid(field, `'${text}' has a zone index; zone-scoped addresses cannot be managed`);
  const family: Family = text.includes(':') ? 6 : 4;
  const parsed = parseWithLibrary(text);
  if (!parsed) throw invalid(field, `'${text}' is not a valid IPv${family} address: ${describeFamilyRules(family)}`);
  const value = parsed.bigInt();
  return { family, value, text: formatAddress(family, value) };
}

/** Parses `address/length`. The address must be the network address: host bits are refused with the fix. */
export function parsePrefix(input: string, field = 'cidr'): Prefix {
  const text = String(input ?? '').trim();
  if (text === '') throw invalid(field, 'a CIDR such as 10.0.0.0/24 or 2001:db8::/64 is required');
  const slash = text.indexOf('/');
  if (slash < 0) throw invalid(field, `'${text}' has no prefix length; write it as address/length, e.g. 10.0.0.0/24`);
  const addressPart = text.slice(0, slash);
  const lengthPart = text.slice(slash + 1);
  const address = parseAddress(addressPart, field);
  const bits = familyBits(address.family);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthPart) || Number(lengthPart) > bits) {
    throw invalid(field, `'${lengthPart}' is not a valid prefix length for IPv${address.family}: use 0-${bits}`);
  }
  const length = Number(lengthPart);
  const hostMask = (1n << BigInt(bits - length)) - 1n;
  const network = address.value & ~hostMask;
  const canonical = `${formatAddress(address.family, network)}/${length}`;
  if (address.value !== network) {
    throw invalid(field, `'${text}' has host bits set; the network is ${canonical}`);
  }
  return { family: address.family, network, length, last: network | hostMask, text: canonical };
}

export function prefixContains(prefix: Prefix, address: IpAddress): boolean {
  return address.family === prefix.family && address.value >= prefix.network && address.value <= prefix.last;
}

export function prefixSize(prefix: Prefix): bigint {
  return prefix.last - prefix.network + 1n;
}

/**
 * The addresses a host may use. IPv4 loses the network and broadcast address, except on /31
 * (RFC 3021) and /32. IPv6 loses the subnet-router anycast address (the network address), except
 * on /127 (RFC 6164) and /128.
 */
export function usableRange(prefix: Prefix): AddressRange | null {
  const bits = familyBits(prefix.family);
  if (prefix.length >= bits - 1) return { family: prefix.family, first: prefix.network, last: prefix.last };
  if (prefix.family === 4) return { family: 4, first: prefix.network + 1n, last: prefix.last - 1n };
  return { family: 6, first: prefix.network + 1n, last: prefix.last };
}

/** Names why an address of the prefix may never be assigned, or null when it may. */
export function specialRole(prefix: Prefix, value: bigint): 'network address' | 'broadcast address' | null {
  const usable = usableRange(prefix);
  if (usable && value >= usable.first && value <= usable.last) return null;
  if (value === prefix.network) return 'network address';
  if (prefix.family === 4 && value === prefix.last) return 'broadcast address';
  return null;
}

export function rangeSize(range: { first: bigint; last: bigint }): bigint {
  return range.last - range.first + 1n;
}

export function rangesOverlap(a: { first: bigint; last: bigint }, b: { first: bigint; last: bigint }): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function formatRange(range: AddressRange): string {
  return `${formatAddress(range.family, range.first)}-${formatAddress(range.family, range.last)}`;
}

/** Parses `start-end` (both inclusive, same family, start <= end). */
export function parseRange(input: string, field = 'pool'): AddressRange {
  const text = String(input ?? '').trim();
  const parts = text.split('-');
  if (parts.length !== 2) throw invalid(field, `'${text}' is not a range; write START-END, e.g. 10.0.0.10-10.0.0.200`);
  const first = parseAddress(parts[0]!, field);
  const last = parseAddress(parts[1]!, field);
  if (first.family !== last.family) throw invalid(field, `'${text}' mixes IPv4 and IPv6`);
  if (first.value > last.value) throw invalid(field, `'${text}' starts after it ends; write the lower address first`);
  return { family: first.family, first: first.value, last: last.value };
}

/**
 * A text key that sorts like the address and is unique per address across both families:
 * `4` + 8 hex digits or `6` + 32 hex digits. The store indexes and compares these, so one
 * B-tree serves ordering, uniqueness and gap search on SQLite and PostgreSQL alike.
 */
export function addressKey(family: Family, value: bigint): string {
  return `${family}${value.toString(16).padStart(family === 4 ? 8 : 32, '0')}`;
}

export function keyToAddress(key: string): IpAddress {
  const family: Family = key[0] === '4' ? 4 : 6;
  const value = BigInt(`0x${key.slice(1)}`);
  return { family, value, text: formatAddress(family, value) };
}

export function keyValue(key: string): bigint {
  return BigInt(`0x${key.slice(1)}`);
}

/** The dotted IPv4 netmask of a prefix length (24 -> 255.255.255.0): ifcfg NETMASK, esxcli --netmask, vSphere subnetMask. */
export function ipv4Netmask(length: number): string {
  return formatAddress(4, length === 0 ? 0n : ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - length)) - 1n));
}

/**
 * An address as configured on an interface, with its prefix length (`172.16.1.51/24`): host bits
 * are the point here, and the network or broadcast address is refused.
 */
export function parseInterfaceAddress(input: string, field = 'address'): { address: IpAddress; prefix: Prefix } {
  const text = String(input ?? '').trim();
  const slash = text.indexOf('/');
  if (slash < 0) throw invalid(field, `'${text}' has no prefix length; write it as address/length, e.g. 172.16.1.51/24`);
  const address = parseAddress(text.slice(0, slash), field);
  const lengthPart = text.slice(slash + 1);
  const bits = familyBits(address.family);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lengthPart) || Number(lengthPart) > bits) {
    throw invalid(field, `'${lengthPart}' is not a valid prefix length for IPv${address.family}: use 0-${bits}`);
  }
  const hostMask = (1n << BigInt(bits - Number(lengthPart))) - 1n;
  const prefix = parsePrefix(`${formatAddress(address.family, address.value & ~hostMask)}/${lengthPart}`, field);
  const role = specialRole(prefix, address.value);
  if (role) throw invalid(field, `${address.text} is the ${role} of ${prefix.text}; an interface needs a host address`);
  return { address, prefix };
}

/** The prefix length of a dotted IPv4 netmask (255.255.255.0 -> 24), or null if it is not a contiguous mask. */
export function netmaskLength(netmask: string): number | null {
  const parts = netmask.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255)) return null;
  const bits = parts.reduce((value, part) => value * 256 + Number(part), 0).toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : null;
}
