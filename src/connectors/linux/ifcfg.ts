/**
 * Imports a RHEL / Oracle Linux / Oracle VM `network-scripts` folder (seed 001): the `ifcfg-*`
 * files, read as initscripts read them (shell KEY=value with quoting and comments, never executed),
 * into the interface graph: NICs with HWADDR and MASTER/SLAVE, bonds with BONDING_OPTS, VLANs
 * (VLAN=yes with PHYSDEV/VLAN_ID, or a PARENT.ID name), bridges with STP/DELAY and BRIDGE= ports,
 * numbered IPv4 addresses, IPv6 addresses, aliases such as ifcfg-vlan100:1 folded into their
 * device, MTU and GATEWAY.
 */
import { netmaskLength } from '../../domain/address.ts';
import { BOND_MODES, LACP_RATES, XMIT_HASH_POLICIES } from '../../domain/interfaces.ts';
import { sourceError, type ImportedNetwork, type SourceFile } from '../host-facts.ts';
import { addAddress, draftInterface, setField, validateDrafts, type DraftInterface, type Origin } from './imported-graph.ts';

/** An ifcfg file is a screenful of keys; anything far larger is not one. */
const MAX_FILE_BYTES = 64 * 1024;
/** Backup and package-manager leftovers initscripts skip (its __sed_discard_ignored_files). */
const IGNORED_SUFFIXES = ['~', '.bak', '.old', '.orig', '.rpmnew', '.rpmorig', '.rpmsave'];
const VALUE_RULE = 'write KEY=value, a # comment or a blank line; a value is a plain word or "double"/\'single\' quoted text, without $ expansion, `command` substitution or shell operators';

interface Assignment {
  value: string;
  line: number;
}

interface IfcfgFile {
  path: string;
  keys: Map<string, Assignment>;
}

/** Reads KEY=value lines the way the shell would assign them, refusing anything the shell would execute. */
function parseIfcfgAssignments(file: SourceFile): Map<string, Assignment> {
  if (Buffer.byteLength(file.content) > MAX_FILE_BYTES) throw sourceError(file.path, null, `is ${Buffer.byteLength(file.content)} bytes; an ifcfg file is at most ${MAX_FILE_BYTES} bytes of KEY=value lines`);
  const keys = new Map<string, Assignment>();
  file.content.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const text = raw.replace(/\r$/, '').trimStart();
    if (text === '' || text.startsWith('#')) return;
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(text);
    if (!assignment) throw sourceError(file.path, line, `'${text.slice(0, 60)}' is not an assignment: ${VALUE_RULE}`);
    keys.set(assignment[1]!, { value: shellWord(assignment[2]!, file.path, line), line });
  });
  return keys;
}

/** One shell word: plain characters, backslash escapes, single and double quotes; then only a comment. */
function shellWord(text: string, path: string, line: number): string {
  let value = '';
  let position = 0;
  const refuse = (what: string) => sourceError(path, line, `${what}: ${VALUE_RULE}`);
  while (position < text.length) {
    const char = text[position]!;
    if (/\s/.test(char)) {
      const rest = text.slice(position).trimStart();
      if (rest === '' || rest.startsWith('#')) return value;
      throw refuse(`'${rest.slice(0, 40)}' follows the value (quote a value with spaces)`);
    }
    if (char === "'") {
      const end = text.indexOf("'", position + 1);
      if (end < 0) throw refuse('the single quote is not closed on this line');
      value += text.slice(position + 1, end);
      position = end + 1;
    } else if (char === '"') {
      position++;
      for (;;) {
        if (position >= text.length) throw refuse('the double quote is not closed on this line');
        const inner = text[position]!;
        if (inner === '"') break;
        if (inner === '$' || inner === '`') throw refuse(`'${inner}' inside double quotes would be expanded by the shell`);
        if (inner === '\\' && position + 1 < text.length && '$`"\\'.includes(text[position + 1]!)) {
          value += text[position + 1];
          position += 2;
        } else {
          value += inner;
          position++;
        }
      }
      position++;
    } else if (char === '\\') {
      if (position + 1 >= text.length) throw refuse('a trailing backslash continues the line');
      value += text[position + 1];
      position += 2;
    } else if ('$`;&|<>()'.includes(char)) {
      throw refuse(`'${char}' is shell syntax, not part of a value`);
    } else {
      value += char;
      position++;
    }
  }
  return value;
}

const TRUE_WORDS = ['yes', 'true', 'on', '1', 'y'];
const FALSE_WORDS = ['no', 'false', 'off', '0', 'n'];

function flag(file: IfcfgFile, key: string): boolean | undefined {
  const entry = file.keys.get(key);
  if (!entry) return undefined;
  const word = entry.value.toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw sourceError(file.path, entry.line, `${key}=${entry.value}: use yes or no`);
}

function integer(file: IfcfgFile, key: string, what: string): number | undefined {
  const entry = file.keys.get(key);
  if (!entry) return undefined;
  if (!/^[0-9]{1,6}$/.test(entry.value)) throw sourceError(file.path, entry.line, `${key}=${entry.value}: ${what}`);
  return Number(entry.value);
}

const BOND_MODE_BY_NUMBER: readonly string[] = BOND_MODES; // the driver's numbering is the list's order: 0 balance-rr ... 6 balance-alb
/** The driver's numbers for xmit_hash_policy, as /sys/class/net/bondN/bonding/xmit_hash_policy shows them. */
const XMIT_HASH_BY_NUMBER = ['layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4', 'vlan+srcmac'];

/** BONDING_OPTS="mode=4 miimon=100 ...": the options the model keeps; the others are reported as warnings. */
function bondingOptions(file: IfcfgFile, draft: DraftInterface, warnings: string[]): void {
  const entry = file.keys.get('BONDING_OPTS');
  const origin: Origin = { file: file.path, line: entry?.line ?? null };
  let mode = 'balance-rr'; // the bonding driver's default
  for (const token of (entry?.value ?? '').split(/\s+/).filter(Boolean)) {
    const option = /^([a-z_]+)=(\S+)$/.exec(token);
    if (!option) throw sourceError(file.path, origin.line, `BONDING_OPTS: '${token}' is not name=value (e.g. mode=802.3ad miimon=100)`);
    const [, name, value] = option as unknown as [string, string, string];
    const pick = (list: readonly string[], numbered: readonly string[]) => {
      const found = /^[0-9]$/.test(value) ? numbered[Number(value)] : list.find((item) => item === value);
      if (!found) throw sourceError(file.path, origin.line, `BONDING_OPTS: ${name}=${value} is unknown; use one of ${list.join(', ')} or its number 0-${numbered.length - 1}`);
      return found;
    };
    if (name === 'mode') mode = pick(BOND_MODES, BOND_MODE_BY_NUMBER);
    else if (name === 'miimon') {
      if (!/^[0-9]{1,5}$/.test(value)) throw sourceError(file.path, origin.line, `BONDING_OPTS: miimon=${value} must be milliseconds, 0-60000`);
      setField(draft, 'miimon', Number(value), origin);
    } else if (name === 'lacp_rate') setField(draft, 'lacpRate', pick(LACP_RATES, LACP_RATES), origin);
    else if (name === 'xmit_hash_policy') setField(draft, 'xmitHashPolicy', pick(XMIT_HASH_POLICIES, XMIT_HASH_BY_NUMBER), origin);
    else if (name === 'primary') setField(draft, 'primary', value, origin);
    else warnings.push(`${file.path}:${origin.line}: BONDING_OPTS ${name}=${value} is not modelled; it is left out`);
  }
  setField(draft, 'mode', mode, origin);
}

/** Addresses as initscripts' expand_config reads them: IPADDR, IPADDR0, IPADDR1, then IPADDR2.. up to the first gap. */
function ipv4Addresses(file: IfcfgFile, warnings: string[]): { address: string; line: number }[] {
  const found: { address: string; line: number }[] = [];
  const suffixes = ['', ...Array.from({ length: 256 }, (_, index) => String(index))];
  let stoppedAt: string | null = null;
  for (const suffix of suffixes) {
    const ip = file.keys.get(`IPADDR${suffix}`);
    if (!ip) {
      if (suffix !== '' && Number(suffix) >= 2) {
        stoppedAt = suffix;
        break;
      }
      continue;
    }
    const prefix = file.keys.get(`PREFIX${suffix}`);
    const mask = file.keys.get(`NETMASK${suffix}`);
    let length: number | null;
    if (prefix) {
      length = /^[0-9]{1,2}$/.test(prefix.value) && Number(prefix.value) <= 32 ? Number(prefix.value) : null;
      if (length === null) throw sourceError(file.path, prefix.line, `PREFIX${suffix}=${prefix.value}: a prefix length is 0-32`);
    } else if (mask) {
      length = netmaskLength(mask.value);
      if (length === null) throw sourceError(file.path, mask.line, `NETMASK${suffix}=${mask.value} is not a netmask such as 255.255.255.0`);
    } else {
      throw sourceError(file.path, ip.line, `IPADDR${suffix} has no PREFIX${suffix} or NETMASK${suffix}; add one (e.g. PREFIX${suffix}=24) rather than rely on the classful guess`);
    }
    found.push({ address: `${ip.value}/${length}`, line: ip.line });
  }
  if (stoppedAt !== null) {
    const later = [...file.keys.keys()].filter((key) => /^IPADDR[0-9]+$/.test(key) && Number(key.slice(6)) > Number(stoppedAt));
    if (later.length) warnings.push(`${file.path}: ${later.join(', ')} follow${later.length === 1 ? 's' : ''} a missing IPADDR${stoppedAt}; initscripts stop there, so ${later.length === 1 ? 'it is' : 'they are'} left out`);
  }
  return found;
}

function ipv6Addresses(file: IfcfgFile, warnings: string[]): { address: string; line: number }[] {
  const primary = file.keys.get('IPV6ADDR');
  const secondaries = file.keys.get('IPV6ADDR_SECONDARIES');
  if (!primary && !secondaries) return [];
  if (flag(file, 'IPV6INIT') === false) {
    warnings.push(`${file.path}: IPV6INIT=no, so its IPv6 addresses are not configured and are left out`);
    return [];
  }
  const withLength = (text: string) => (text.includes('/') ? text : `${text}/64`); // ifup-ipv6's default length
  return [
    ...(primary ? [{ address: withLength(primary.value), line: primary.line }] : []),
    ...(secondaries ? secondaries.value.split(/\s+/).filter(Boolean).map((text) => ({ address: withLength(text), line: secondaries.line })) : []),
  ];
}

function addressesOf(file: IfcfgFile, device: string, warnings: string[]): { address: string; line: number }[] {
  const boot = (file.keys.get('BOOTPROTO')?.value ?? 'none').toLowerCase();
  const dynamic = boot === 'dhcp' || boot === 'bootp';
  if (dynamic) warnings.push(`${file.path}: ${device} takes its IPv4 address by ${boot.toUpperCase()}; only static addresses are imported`);
  return [...(dynamic ? [] : ipv4Addresses(file, warnings)), ...ipv6Addresses(file, warnings)];
}

const fileName = (path: string) => path.split('/').pop()!;

/** Imports the ifcfg files among `files` (other files in the folder are skipped). */
export function importIfcfg(files: SourceFile[]): ImportedNetwork {
  const warnings: string[] = [];
  const configs: IfcfgFile[] = [];
  for (const file of [...files].sort((a, b) => (fileName(a.path) < fileName(b.path) ? -1 : 1))) {
    const name = fileName(file.path);
    if (/^(route6?|rule6?)-/.test(name)) warnings.push(`${file.path}: static routes and rules are not imported`);
    if (!name.startsWith('ifcfg-')) continue;
    if (IGNORED_SUFFIXES.some((suffix) => name.endsWith(suffix))) {
      warnings.push(`${file.path}: a backup file, which initscripts ignore; skipped`);
      continue;
    }
    configs.push({ path: file.path, keys: parseIfcfgAssignments(file) });
  }
  if (!configs.length) throw sourceError(files[0]?.path ?? '(folder)', null, 'holds no ifcfg-NAME file; point at /etc/sysconfig/network-scripts or a copy of it');

  const drafts = new Map<string, DraftInterface>();
  const definedIn = new Map<string, IfcfgFile>();
  const aliases: { file: IfcfgFile; device: string; base: string }[] = [];
  let gateway: ImportedNetwork['gateway'];
  for (const file of configs) {
    const deviceKey = file.keys.get('DEVICE');
    const device = deviceKey?.value ?? fileName(file.path).slice('ifcfg-'.length);
    const origin: Origin = { file: file.path, line: deviceKey?.line ?? null };
    if (device === 'lo') continue;
    if (device.includes(':')) {
      aliases.push({ file, device, base: device.slice(0, device.indexOf(':')) });
      continue;
    }
    if (definedIn.has(device)) throw sourceError(file.path, origin.line, `device ${device} is already defined by ${definedIn.get(device)!.path}; keep one file per device`);
    definedIn.set(device, file);
    const type = file.keys.get('TYPE')?.value.toLowerCase();
    let draft: DraftInterface;
    if (type === 'bridge' || type === 'ovsbridge') {
      draft = draftInterface({ kind: 'bridge', name: device, flavor: type === 'ovsbridge' ? 'ovs' : 'linux', ports: [], stp: flag(file, 'STP') ?? false }, origin);
      const delay = integer(file, 'DELAY', 'the forward delay is whole seconds, 0-30');
      if (delay !== undefined) setField(draft, 'forwardDelay', delay, { file: file.path, line: file.keys.get('DELAY')!.line });
    } else if (type === 'bond' || file.keys.has('BONDING_OPTS') || flag(file, 'BONDING_MASTER')) {
      draft = draftInterface({ kind: 'bond', name: device, members: [] }, origin);
      bondingOptions(file, draft, warnings);
    } else if (type === 'vlan' || flag(file, 'VLAN')) {
      const vlanOrigin: Origin = { file: file.path, line: file.keys.get('VLAN')?.line ?? file.keys.get('TYPE')?.line ?? origin.line };
      const named = /^(.+)\.([0-9]{1,4})$/.exec(device);
      const parent = file.keys.get('PHYSDEV')?.value ?? named?.[1];
      const vlan = integer(file, 'VLAN_ID', 'a VLAN ID is 1-4094') ?? (named ? Number(named[2]) : undefined);
      if (parent === undefined || vlan === undefined) throw sourceError(file.path, vlanOrigin.line, `VLAN ${device} names no parent and ID: set PHYSDEV and VLAN_ID, or name the device PARENT.ID (e.g. bond0.100)`);
      draft = draftInterface({ kind: 'vlan', name: device, parent, vlan }, vlanOrigin);
      draft.fields.set('vlan', { file: file.path, line: file.keys.get('VLAN_ID')?.line ?? vlanOrigin.line });
      draft.fields.set('parent', { file: file.path, line: file.keys.get('PHYSDEV')?.line ?? vlanOrigin.line });
    } else if (type === undefined || type === 'ethernet' || type === 'ovsport') {
      draft = draftInterface({ kind: 'physical', name: device }, origin);
      const hwaddr = file.keys.get('HWADDR');
      if (hwaddr) setField(draft, 'mac', hwaddr.value, { file: file.path, line: hwaddr.line });
    } else {
      warnings.push(`${file.path}: TYPE=${file.keys.get('TYPE')!.value} is not modelled; ${device} is left out`);
      continue;
    }
    const mtu = integer(file, 'MTU', 'the MTU is a number of bytes, 68-9216');
    if (mtu !== undefined) setField(draft, 'mtu', mtu, { file: file.path, line: file.keys.get('MTU')!.line });
    const slave = file.keys.has('MASTER') && flag(file, 'SLAVE') === true;
    if (file.keys.has('MASTER') && !slave) warnings.push(`${file.path}:${file.keys.get('MASTER')!.line}: MASTER without SLAVE=yes is ignored by initscripts`);
    const addresses = addressesOf(file, device, warnings);
    // ifup-eth returns before configuring addresses on a bond slave or a bridge port.
    if ((slave || file.keys.has('BRIDGE')) && addresses.length) warnings.push(`${file.path}: ${device} is a bond slave or bridge port, where initscripts configure no address; its addresses are left out`);
    else for (const { address, line } of addresses) addAddress(draft, address, { file: file.path, line });
    if (file.keys.has('GATEWAY') && flag(file, 'DEFROUTE') !== false) gateway = { interface: device, address: file.keys.get('GATEWAY')!.value };
    drafts.set(device, draft);
  }

  // Second pass: edges (MASTER, BRIDGE, OVS_BRIDGE) point at devices any file may define.
  for (const file of configs) {
    const device = file.keys.get('DEVICE')?.value ?? fileName(file.path).slice('ifcfg-'.length);
    if (!drafts.has(device)) continue;
    const enslave = (key: string, kind: 'bond' | 'bridge', list: 'members' | 'ports') => {
      const entry = file.keys.get(key);
      if (!entry || (key === 'MASTER' && flag(file, 'SLAVE') !== true)) return;
      const owner = drafts.get(entry.value);
      if (owner?.spec.kind !== kind) throw sourceError(file.path, entry.line, `${key}=${entry.value}: no ifcfg file defines a ${kind} named ${entry.value}`);
      (owner.spec[list] as string[]).push(device);
      owner.fields.set(list, { file: file.path, line: entry.line });
    };
    enslave('MASTER', 'bond', 'members');
    enslave('BRIDGE', 'bridge', 'ports');
    enslave('OVS_BRIDGE', 'bridge', 'ports');
  }
  for (const alias of aliases) {
    const base = drafts.get(alias.base);
    const origin: Origin = { file: alias.file.path, line: alias.file.keys.get('DEVICE')?.line ?? null };
    if (!base) throw sourceError(alias.file.path, origin.line, `alias ${alias.device} belongs to ${alias.base}, which no ifcfg file defines`);
    for (const { address, line } of addressesOf(alias.file, alias.device, warnings)) addAddress(base, address, { file: alias.file.path, line });
  }
  return { interfaces: validateDrafts([...drafts.values()]), linkState: {}, ...(gateway ? { gateway } : {}), warnings };
}
