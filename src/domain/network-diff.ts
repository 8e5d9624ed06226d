/**
 * Two descriptions of one host's network compared by meaning, not by spelling: a declaration and
 * what an importer read back from its rendering (the round trip), or a declaration and the live
 * facts of the host (`hostwire host diff`). Both sides are first brought to one normal form:
 * - the MTU is the effective one along the stack (a bridge at 9000 puts its bond and NICs at 9000);
 * - a Linux host IP interface (vmk on a bridge) is its bridge's address;
 * - bond options the mode does not use are dropped, defaults are spelled out (stp off, forward delay
 *   15 s, linux bridge);
 * - member and port lists and addresses are sets; a VLAN-aware bridge's vids are merged ranges (10-21, 30);
 * - notes no config file carries (descriptions, switch notes, NIC speed and driver) are left out.
 */
import { parseInterfaceAddress } from './address.ts';
import { BOND_OPTION_MODES, stackMtus, vlanRangeTexts, type InterfaceSpec } from './interfaces.ts';

/** The fields of the normal form; a format that cannot express one names it in `ignore`. */
export type NormalField = 'kind' | 'mtu' | 'mac' | 'addresses' | 'members' | 'mode' | 'miimon' | 'lacpRate' | 'xmitHashPolicy' | 'primary' | 'parent' | 'vlan' | 'ports' | 'stp' | 'forwardDelay' | 'flavor' | 'vlanAware' | 'vids' | 'uplinks' | 'switch' | 'teaming' | 'attachment' | 'services';

export type NormalInterface = { name: string } & Partial<Record<NormalField, unknown>>;

export interface NormalizeOptions {
  /** Fields to leave out on both sides, because the format at hand cannot carry them. */
  ignore?: readonly NormalField[];
}

const sortedSet = (list: readonly string[] | undefined) => [...new Set(list ?? [])].sort();
/** Addresses as a set, each written canonically (2001:DB8::1/64 and 2001:db8::1/64 are one). */
const addressSet = (list: readonly string[] | undefined) =>
  sortedSet((list ?? []).map((text) => {
    const { address, prefix } = parseInterfaceAddress(text);
    return `${address.text}/${prefix.length}`;
  }));

/** The normal form of a host's interfaces, sorted by name. `linux` says vmks on bridges fold into them. */
export function normalizeNetwork(specs: InterfaceSpec[], platform: string, options: NormalizeOptions = {}): NormalInterface[] {
  const linux = platform !== 'esxi';
  const mtus = stackMtus(specs);
  const lent = new Map<string, string[]>();
  if (linux) for (const spec of specs) if (spec.kind === 'vmk') lent.set(spec.attachment, [...(lent.get(spec.attachment) ?? []), ...(spec.addresses ?? [])]);
  const normal: NormalInterface[] = [];
  for (const spec of specs) {
    if (linux && spec.kind === 'vmk') continue;
    const entry: NormalInterface = { name: spec.name, kind: spec.kind };
    // 1500 is every Linux interface's and vSwitch's default: declaring it and leaving it unset mean one thing.
    if (mtus.has(spec.name) && mtus.get(spec.name) !== 1500) entry.mtu = mtus.get(spec.name);
    const addresses = [...('addresses' in spec ? (spec.addresses ?? []) : []), ...(lent.get(spec.name) ?? [])];
    if (spec.kind !== 'vswitch' && spec.kind !== 'dvswitch' && spec.kind !== 'portgroup') entry.addresses = addressSet(addresses);
    switch (spec.kind) {
      case 'physical':
        if (spec.mac) entry.mac = spec.mac;
        break;
      case 'bond':
        entry.members = sortedSet(spec.members);
        entry.mode = spec.mode;
        if (spec.miimon !== undefined) entry.miimon = spec.miimon;
        if (spec.lacpRate && BOND_OPTION_MODES.lacpRate.includes(spec.mode)) entry.lacpRate = spec.lacpRate;
        if (spec.xmitHashPolicy && BOND_OPTION_MODES.xmitHashPolicy.includes(spec.mode)) entry.xmitHashPolicy = spec.xmitHashPolicy;
        if (spec.primary && BOND_OPTION_MODES.primary.includes(spec.mode)) entry.primary = spec.primary;
        break;
      case 'vlan':
        entry.parent = spec.parent;
        entry.vlan = spec.vlan;
        break;
      case 'bridge':
        entry.ports = sortedSet(spec.ports);
        entry.stp = spec.stp ?? false;
        // 15 s is the kernel's default, which NetworkManager's keyfiles leave unwritten.
        entry.forwardDelay = spec.forwardDelay ?? 15;
        entry.flavor = spec.flavor ?? 'linux';
        // Only a VLAN-aware bridge gets the fields, so formats without VLAN filtering compare as before.
        if (spec.vlanAware) {
          entry.vlanAware = true;
          entry.vids = vlanRangeTexts(spec.vids ?? []);
        }
        break;
      case 'vswitch':
      case 'dvswitch':
        entry.uplinks = sortedSet(spec.uplinks);
        if (spec.teaming) entry.teaming = spec.teaming;
        break;
      case 'portgroup':
        entry.switch = spec.switch;
        entry.vlan = spec.vlan;
        if (spec.teaming) entry.teaming = spec.teaming;
        break;
      case 'vmk':
        entry.attachment = spec.attachment;
        entry.services = sortedSet(spec.services);
        if (spec.mac) entry.mac = spec.mac;
        break;
    }
    for (const field of options.ignore ?? []) delete entry[field];
    normal.push(entry);
  }
  return normal.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** An interface's link as last observed; `bond0/eth1` keys a bond member's or bridge port's own state. */
export type LinkState = 'up' | 'down' | 'unknown';

export interface NetworkDifference {
  interface: string;
  /** missing: declared, not found; unexpected: found, not declared; changed: a field differs; down: the link is down. */
  change: 'missing' | 'unexpected' | 'changed' | 'down';
  field?: NormalField | 'member';
  declared?: unknown;
  observed?: unknown;
  message: string;
}

const show = (value: unknown) => (value === undefined ? '(unset)' : Array.isArray(value) ? (value.length ? value.join(', ') : '(none)') : typeof value === 'object' ? JSON.stringify(value) : String(value));
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What a reader calls each field in a difference message. */
const FIELD_WORDS: Partial<Record<NormalField, string>> = { mtu: 'MTU', mac: 'MAC', mode: 'bond mode', vlan: 'VLAN', stp: 'STP', lacpRate: 'LACP rate', xmitHashPolicy: 'transmit hash policy', forwardDelay: 'forward delay', vlanAware: 'VLAN awareness', vids: 'VLAN ids' };

/**
 * Every difference between a declared and an observed network, in declaration order: interfaces
 * declared but not found (a missing VLAN), found but not declared, each differing field (a wrong
 * bond mode, an MTU mismatch), and declared interfaces or bond members whose link is down.
 */
export function diffNetworks(
  declared: InterfaceSpec[],
  observed: InterfaceSpec[],
  platform: string,
  options: NormalizeOptions & { linkState?: Record<string, LinkState> } = {},
): NetworkDifference[] {
  const wanted = normalizeNetwork(declared, platform, options);
  const found = new Map(normalizeNetwork(observed, platform, options).map((entry) => [entry.name, entry]));
  const differences: NetworkDifference[] = [];
  for (const entry of wanted) {
    const seen = found.get(entry.name);
    found.delete(entry.name);
    if (!seen) {
      const what = entry.kind === 'vlan' ? `VLAN ${entry.vlan} on ${entry.parent}` : `${entry.kind}`;
      differences.push({ interface: entry.name, change: 'missing', declared: entry, message: `${entry.name} (${what}) is declared but not present` });
      continue;
    }
    const fields = new Set([...Object.keys(entry), ...Object.keys(seen)].filter((key) => key !== 'name')) as Set<NormalField>;
    for (const field of fields) {
      if (same(entry[field], seen[field])) continue;
      differences.push({ interface: entry.name, change: 'changed', field, declared: entry[field], observed: seen[field], message: `${entry.name}: ${FIELD_WORDS[field] ?? field} is ${show(seen[field])}, declared ${show(entry[field])}` });
    }
    if (options.linkState?.[entry.name] === 'down') differences.push({ interface: entry.name, change: 'down', message: `${entry.name} is down` });
    for (const member of entry.kind === 'bond' ? (entry.members as string[]) : []) {
      if (options.linkState?.[`${entry.name}/${member}`] === 'down') differences.push({ interface: entry.name, change: 'down', field: 'member', observed: member, message: `${entry.name}: member ${member} is down` });
    }
  }
  for (const entry of found.values()) differences.push({ interface: entry.name, change: 'unexpected', observed: entry, message: `${entry.name} (${entry.kind}) is present but not declared` });
  return differences;
}
