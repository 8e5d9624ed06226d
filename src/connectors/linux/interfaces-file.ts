/**
 * Imports Debian's /etc/network/interfaces, in both dialects: classic ifupdown with ifenslave, vlan
 * and bridge-utils (bridge_ports, address + netmask, one address a stanza) and ifupdown2 as Proxmox
 * writes it (bridge-ports, CIDR addresses, bridge-vlan-aware, vlan-id). Option names are read as
 * ifupdown does, `_` and `-` alike. `source` and `source-directory` includes are resolved among the
 * given files (a folder with `interfaces` and `interfaces.d/*`). What it cannot model (scripts,
 * DHCP, resolver options) becomes a warning with its file and line; what is malformed is refused
 * with its file and line and what is allowed.
 */
import { ipv4Netmask, parseAddress, parseInterfaceAddress } from '../../domain/address.ts';
import { HostwireError } from '../../domain/errors.ts';
import { BOND_MODES, LACP_RATES, XMIT_HASH_POLICIES, type InterfaceSpec, type VlanIdList } from '../../domain/interfaces.ts';
import { sourceError, type ImportedNetwork, type SourceFile } from '../host-facts.ts';
import { draftInterface, validateDrafts } from './imported-graph.ts';

interface Where {
  file: string;
  line: number;
}
const at = (where: Where) => `${where.file}:${where.line}`;

interface OptionLine {
  key: string;
  value: string;
  where: Where;
}

interface Stanza {
  name: string;
  family: 'inet' | 'inet6';
  method: string;
  /** ifupdown2's bare `iface NAME`: manual, addresses included, with no classic reading to warn about. */
  bare: boolean;
  where: Where;
  options: OptionLine[];
}

/** ifupdown's address methods per family (interfaces(5)); only static and manual carry addresses here. */
const METHODS: Record<Stanza['family'], readonly string[]> = {
  inet: ['loopback', 'static', 'manual', 'dhcp', 'bootp', 'tunnel', 'ppp', 'wvdial', 'ipv4ll'],
  inet6: ['auto', 'loopback', 'static', 'manual', 'dhcp', 'v4tunnel', '6to4'],
};
/** Options read into the interface graph; every other option is reported as not modelled. */
const MODELLED = new Set(['address', 'netmask', 'gateway', 'mtu', 'hwaddress', 'bond-slaves', 'bond-ports', 'bond-master', 'bond-mode', 'bond-miimon', 'bond-lacp-rate', 'bond-xmit-hash-policy', 'bond-primary', 'vlan-raw-device', 'vlan-id', 'bridge-ports', 'bridge-stp', 'bridge-fd', 'bridge-vlan-aware', 'bridge-vids']);
/** Options set once per interface; the address options belong to their stanza instead. */
const PER_STANZA = new Set(['address', 'netmask', 'gateway']);
/** ifupdown2's numbers for the transmit hash policies (addons/bond.py). */
const HASH_NUMBERS = ['layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4'] as const;
const MAX_INCLUDE_DEPTH = 16;
const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

/** The prefix length of a dotted IPv4 netmask, or null when it is not one (bad octets, non-contiguous bits). */
function ipv4NetmaskLength(mask: string): number | null {
  for (let length = 0; length <= 32; length++) if (ipv4Netmask(length) === mask) return length;
  return null;
}

/** One logical line (continuations joined) with where it starts. */
interface LogicalLine {
  words: string[];
  where: Where;
  /** Lines read in one stretch of one file; a stanza never continues across a file or an include. */
  stretch: number;
}

/** Reads the entry file and, in place, everything it includes. */
class Reader {
  readonly lines: LogicalLine[] = [];
  readonly warnings: string[] = [];
  private stretch = 0;
  private readonly byPath: Map<string, SourceFile>;

  constructor(files: SourceFile[]) {
    this.byPath = new Map(files.map((file) => [file.path, file]));
  }

  read(file: SourceFile, chain: string[] = []): void {
    this.stretch++;
    const physical = file.content.split('\n');
    for (let index = 0; index < physical.length; index++) {
      const where = { file: file.path, line: index + 1 };
      let text = physical[index]!.replace(/\r$/, '');
      if (/^\s*#/.test(text)) continue;
      while (text.endsWith('\\') && index + 1 < physical.length) text = text.slice(0, -1) + ' ' + physical[++index]!.replace(/\r$/, '');
      const words = text.trim().split(/\s+/).filter(Boolean);
      if (!words.length) continue;
      if (words[0] === 'source' || words[0] === 'source-directory') {
        this.include(words, where, [...chain, file.path]);
        this.stretch++;
      } else this.lines.push({ words, where, stretch: this.stretch });
    }
  }

  private include(words: string[], where: Where, chain: string[]): void {
    if (words.length < 2) throw sourceError(where.file, where.line, `${words[0]} needs a path, e.g. ${words[0] === 'source' ? 'source /etc/network/interfaces.d/*' : 'source-directory /etc/network/interfaces.d'}`);
    if (chain.length > MAX_INCLUDE_DEPTH) throw sourceError(where.file, where.line, `includes are nested more than ${MAX_INCLUDE_DEPTH} deep; flatten them`);
    for (const pattern of words.slice(1)) {
      const matched = this.resolve(pattern, where.file, words[0] === 'source-directory');
      if (!matched.length) this.warnings.push(`${at(where)}: ${words[0]} ${pattern} matches none of the given files; nothing included`);
      for (const file of matched) {
        if (chain.includes(file.path)) throw sourceError(where.file, where.line, `${words[0]} ${pattern} includes ${file.path}, which is already being read: the includes form a loop`);
        this.read(file, chain);
      }
    }
  }

  /**
   * The given files a `source` glob or `source-directory` folder names. An absolute path is matched
   * by its longest tail present among the files (/etc/network/interfaces.d/* finds
   * interfaces.d/bond0 in a copy of /etc/network); a relative one is taken from the including file's folder.
   */
  private resolve(pattern: string, from: string, directory: boolean): SourceFile[] {
    const base = from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
    const parts = (pattern.startsWith('/') ? pattern.slice(1) : base + pattern).split('/').filter((part) => part && part !== '.');
    for (let skip = 0; skip < parts.length; skip++) {
      const tail = parts.slice(skip);
      // source-directory takes the folder's files whose names run-parts would run.
      const test = directory ? globRegex([...tail, '*']) : globRegex(tail);
      const matched = [...this.byPath.values()].filter((file) => test.test(file.path) && (!directory || /^[A-Za-z0-9_-]+$/.test(file.path.split('/').pop()!)));
      if (matched.length) return matched.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    }
    return [];
  }
}

/** A shell glob over path components (`*`, `?`, `[...]`, none crossing a `/`) as an anchored regex. */
function globRegex(parts: string[]): RegExp {
  const component = (part: string) =>
    part.replace(/\[!?[^\]]*\]|[*?[]|[^*?[]+/g, (token) => {
      if (token === '[') return '\\[';
      if (token === '*') return '[^/]*';
      if (token === '?') return '[^/]';
      if (token.startsWith('[')) return token.startsWith('[!') ? `[^${token.slice(2, -1).replace(/[\\\]]/g, '\\$&')}]` : `[${token.slice(1, -1).replace(/[\\\]]/g, '\\$&')}]`;
      return token.replace(/[.+^${}()|\\]/g, '\\$&');
    });
  return new RegExp(`^${parts.map(component).join('/')}$`);
}

/** Groups the logical lines into iface stanzas; mappings and stanza keywords hostwire does not model become warnings. */
function parseStanzas(lines: LogicalLine[], warnings: string[]): Stanza[] {
  const stanzas: Stanza[] = [];
  let current: Stanza | null = null;
  let inMapping = false;
  let stretch = 0;
  for (const { words, where, stretch: lineStretch } of lines) {
    if (lineStretch !== stretch) [current, inMapping, stretch] = [null, false, lineStretch];
    const [keyword, ...rest] = words as [string, ...string[]];
    if (keyword === 'iface') {
      inMapping = false;
      current = parseIfaceLine(rest, where);
      stanzas.push(current);
    } else if (keyword === 'auto' || keyword.startsWith('allow-')) {
      // Which interfaces come up at boot, or on hotplug: not part of the graph.
      current = null;
      inMapping = false;
    } else if (keyword === 'mapping' || keyword === 'rename' || keyword === 'no-auto-down' || keyword === 'no-scripts') {
      warnings.push(`${at(where)}: ${keyword} is not modelled; ignored`);
      current = null;
      inMapping = keyword === 'mapping';
    } else if (inMapping) {
      // A mapping's own lines (script, map) were reported with the mapping.
    } else if (!current) {
      throw sourceError(where.file, where.line, `'${keyword}' is outside any stanza; options go under an 'iface NAME inet|inet6 METHOD' line, and the stanza keywords are iface, auto, allow-*, mapping, source, source-directory`);
    } else {
      if (!rest.length) throw sourceError(where.file, where.line, `option '${keyword}' of ${current.name} has no value; write '${keyword} VALUE'`);
      current.options.push({ key: keyword.replaceAll('_', '-'), value: rest.join(' '), where });
    }
  }
  return stanzas;
}

function parseIfaceLine(words: string[], where: Where): Stanza {
  const [name, family = 'inet', method = 'manual', ...extra] = words;
  // ifupdown2 allows `iface NAME` alone; classic ifupdown needs the family and the method.
  if (!name || words.length === 2 || extra.length) throw sourceError(where.file, where.line, `write an iface line as 'iface NAME inet|inet6 METHOD' (ifupdown2 also takes 'iface NAME')`);
  if (family !== 'inet' && family !== 'inet6') throw sourceError(where.file, where.line, `address family '${family}' of ${name} is not supported; use inet or inet6`);
  if (!METHODS[family].includes(method)) throw sourceError(where.file, where.line, `method '${method}' of ${name} is not an ${family} method; use one of: ${METHODS[family].join(', ')}`);
  return { name, family, method, bare: words.length === 1, where, options: [] };
}

/** Everything the stanzas of one interface say, merged. */
interface Merged {
  name: string;
  where: Where;
  /** Options set once per interface, by key. */
  single: Map<string, OptionLine>;
  stanzas: Stanza[];
}

function mergeStanzas(stanzas: Stanza[]): Map<string, Merged> {
  const merged = new Map<string, Merged>();
  for (const stanza of stanzas) {
    const entry: Merged = merged.get(stanza.name) ?? { name: stanza.name, where: stanza.where, single: new Map(), stanzas: [] };
    merged.set(stanza.name, entry);
    entry.stanzas.push(stanza);
    const seenHere = new Set<string>();
    for (const option of stanza.options) {
      if (!MODELLED.has(option.key) || PER_STANZA.has(option.key)) continue;
      const first = entry.single.get(option.key);
      if (first && (seenHere.has(option.key) || first.value !== option.value)) {
        throw sourceError(option.where.file, option.where.line, `${option.key} of ${stanza.name} is set again (${option.value}); it was ${first.value} at ${at(first.where)}: give it once`);
      }
      seenHere.add(option.key);
      if (!first) entry.single.set(option.key, option);
    }
  }
  return merged;
}

const valueWords = (option: OptionLine | undefined) => (option ? option.value.split(/\s+/) : []);

function integer(option: OptionLine, min: number, max: number, what: string): number {
  if (!/^[0-9]+$/.test(option.value) || Number(option.value) < min || Number(option.value) > max) {
    throw sourceError(option.where.file, option.where.line, `${option.key} '${option.value}' is not valid: ${what} is a whole number from ${min} to ${max}`);
  }
  return Number(option.value);
}

/** A named value, also accepted by number: `names` and `numbers` index the same values in order. */
function oneOf<T extends string>(option: OptionLine, names: readonly T[], numbers: readonly T[] = []): T {
  const index = numbers.length && /^[0-9]$/.test(option.value) ? Number(option.value) : -1;
  const value = index >= 0 ? numbers[index] : names.find((name) => name === option.value);
  const byNumber = numbers.length ? ` (or 0-${numbers.length - 1} for ${numbers.join(', ')})` : '';
  if (value === undefined) throw sourceError(option.where.file, option.where.line, `${option.key} '${option.value}' is not valid; use one of: ${names.join(', ')}${byNumber}`);
  return value;
}

const BOOLEANS: Record<string, boolean> = { on: true, yes: true, true: true, 1: true, off: false, no: false, false: false, 0: false };
function yesNo(option: OptionLine): boolean {
  const value = BOOLEANS[option.value];
  if (value === undefined) throw sourceError(option.where.file, option.where.line, `${option.key} '${option.value}' is not valid; use on or off (yes or no)`);
  return value;
}

/** A port or member list; ifupdown2's glob and regex expansions are not read. */
function nameList(option: OptionLine | undefined): string[] {
  const list = valueWords(option);
  if (list[0] === 'glob' || list[0] === 'regex') throw sourceError(option!.where.file, option!.where.line, `${option!.key} uses a ${list[0]} expansion; list the interfaces by name`);
  return list.filter((entry) => entry !== 'none');
}

function vlanIdList(option: OptionLine): VlanIdList {
  return option.value.split(/[\s,]+/).map((token) => {
    const match = /^([0-9]+)(?:-([0-9]+))?$/.exec(token);
    const first = Number(match?.[1]);
    const last = Number(match?.[2] ?? match?.[1]);
    if (!match || first < 1 || last > 4094 || first > last) throw sourceError(option.where.file, option.where.line, `${option.key} '${token}' is not a VLAN id or range; write ids 1-4094 and ranges such as 20-30`);
    return first === last ? first : { first, last };
  });
}

/** A dotted VLAN name, bond0.100, as ifupdown reads it: parent and id. */
function dottedVlan(name: string): { parent: string; vlan: number } | null {
  const match = /^(.+)\.([0-9]+)$/.exec(name);
  return match ? { parent: match[1]!, vlan: Number(match[2]) } : null;
}

/** The addresses of one stanza as address/length, and its gateway. */
function stanzaAddresses(stanza: Stanza, warnings: string[]): { addresses: string[]; gateway?: OptionLine } {
  const options = (key: string) => stanza.options.filter((option) => option.key === key);
  const netmask = options('netmask')[0];
  const addresses = options('address').flatMap((option) =>
    option.value.split(/\s+/).map((text) => {
      let cidr = text;
      if (!text.includes('/')) {
        const length = netmask ? (stanza.family === 'inet6' || text.includes(':') ? (/^[0-9]{1,3}$/.test(netmask.value) ? Number(netmask.value) : null) : ipv4NetmaskLength(netmask.value)) : null;
        if (netmask && length === null) throw sourceError(netmask.where.file, netmask.where.line, `netmask '${netmask.value}' is not valid; write a dotted mask such as 255.255.255.0 (inet) or a prefix length such as 64 (inet6)`);
        if (!netmask) warnings.push(`${at(option.where)}: address ${text} of ${stanza.name} has no netmask; imported as a single host address, as ifupdown configures it`);
        cidr = `${text}/${length ?? (text.includes(':') ? 128 : 32)}`;
      }
      try {
        const { address, prefix } = parseInterfaceAddress(cidr);
        return `${address.text}/${prefix.length}`;
      } catch (error) {
        if (error instanceof HostwireError) throw sourceError(option.where.file, option.where.line, `address of ${stanza.name}: ${error.fields[0]?.message ?? error.message}`);
        throw error;
      }
    }),
  );
  return { addresses, gateway: options('gateway')[0] };
}

type Kind = 'physical' | 'bond' | 'vlan' | 'bridge';
/** The kinds an interfaces file describes. */
type FileInterface = Extract<InterfaceSpec, { kind: Kind }>;

/** What an interface is, by the options ifenslave, bridge-utils, the vlan hook and ifupdown2 act on. */
function kindOf(entry: Merged, named: { asMember: boolean; asMaster: boolean }): Kind {
  if (named.asMember) return 'physical';
  if (named.asMaster || [...entry.single.keys()].some((key) => key.startsWith('bond-'))) return 'bond';
  if (entry.single.has('bridge-ports') || entry.single.has('bridge-vlan-aware')) return 'bridge';
  if (entry.single.has('vlan-raw-device') || entry.single.has('vlan-id') || dottedVlan(entry.name)) return 'vlan';
  return 'physical';
}

function parseHwaddress(option: OptionLine): string {
  const list = valueWords(option);
  const mac = list.length === 2 && list[0] === 'ether' ? list[1]! : list.length === 1 ? list[0]! : '';
  if (!MAC.test(mac)) throw sourceError(option.where.file, option.where.line, `hwaddress '${option.value}' is not valid; write 'hwaddress ether 52:54:00:12:34:56' or 'hwaddress 52:54:00:12:34:56'`);
  return mac.toLowerCase();
}

/** The interface one merged entry describes, without its addresses. */
function interfaceOf(entry: Merged, kind: Kind, members: string[], warnings: string[]): FileInterface {
  const { name, single } = entry;
  const get = (key: string) => single.get(key);
  const ignore = (option: OptionLine | undefined, why: string) => option && warnings.push(`${at(option.where)}: ${option.key} of ${name} is ${why}; ignored`);
  const mtu = get('mtu') ? { mtu: integer(get('mtu')!, 68, 9216, 'an MTU') } : {};
  if (kind !== 'physical') ignore(get('hwaddress'), `not modelled on a ${kind}`);
  if (kind !== 'bond') for (const [key, option] of single) if (key.startsWith('bond-') && key !== 'bond-master') ignore(option, 'an option of a bond, not of its member');
  switch (kind) {
    case 'bond': {
      const lacpRate = get('bond-lacp-rate');
      const hash = get('bond-xmit-hash-policy');
      const mode = get('bond-mode');
      return {
        kind,
        driver: 'bond',
        name,
        ...mtu,
        members,
        // The bonding driver's own default when no mode is given.
        // BOND_MODES and LACP_RATES are in the bonding driver's number order (mode 4 is 802.3ad, lacp_rate 1 fast).
        mode: mode ? oneOf(mode, BOND_MODES, BOND_MODES) : 'balance-rr',
        ...(get('bond-miimon') ? { miimon: integer(get('bond-miimon')!, 0, 60000, 'bond-miimon (milliseconds)') } : {}),
        ...(lacpRate ? { lacpRate: oneOf(lacpRate, LACP_RATES, LACP_RATES) } : {}),
        ...(hash ? { xmitHashPolicy: oneOf(hash, XMIT_HASH_POLICIES, HASH_NUMBERS) } : {}),
        ...(get('bond-primary') ? { primary: get('bond-primary')!.value } : {}),
      };
    }
    case 'bridge': {
      const vlanAware = get('bridge-vlan-aware') ? yesNo(get('bridge-vlan-aware')!) : false;
      const vids = get('bridge-vids');
      if (!vlanAware) ignore(vids, 'without effect on a bridge that is not VLAN-aware');
      return {
        kind,
        flavor: 'linux',
        name,
        ...mtu,
        ports: nameList(get('bridge-ports')),
        // bridge-utils leaves STP off unless told.
        stp: get('bridge-stp') ? yesNo(get('bridge-stp')!) : false,
        ...(get('bridge-fd') ? { forwardDelay: integer(get('bridge-fd')!, 0, 30, 'bridge-fd (seconds)') } : {}),
        ...(vlanAware ? { vlanAware, ...(vids ? { vids: vlanIdList(vids) } : {}) } : {}),
      };
    }
    case 'vlan': {
      const dotted = dottedVlan(name);
      const parent = get('vlan-raw-device')?.value ?? dotted?.parent;
      if (!parent) throw sourceError(entry.where.file, entry.where.line, `VLAN ${name} has a vlan-id but no vlan-raw-device; name the interface it is tagged on`);
      // The vlan hook reads vlan100 and vlan0100 names; ifupdown2 takes vlan-id first.
      const vlan = get('vlan-id') ? integer(get('vlan-id')!, 1, 4094, 'a VLAN id') : (dotted?.vlan ?? Number(/^vlan0*([0-9]+)$/.exec(name)?.[1] ?? Number.NaN));
      if (!(vlan >= 1 && vlan <= 4094)) throw sourceError(entry.where.file, entry.where.line, `VLAN ${name}: ${Number.isNaN(vlan) ? 'its id cannot be read from the name' : `id ${vlan} is outside 1-4094`}; name it PARENT.VID or vlanVID with an id from 1 to 4094, or add vlan-id`);
      return { kind, name, ...mtu, parent, vlan };
    }
    case 'physical':
      return { kind, name, ...mtu, ...(get('hwaddress') ? { mac: parseHwaddress(get('hwaddress')!) } : {}) };
  }
}

/**
 * Reads an interfaces file (and what it includes) into the interface graph. The entry is the file
 * named `interfaces` (or ending in /interfaces), or the only file given.
 */
export function importInterfacesFile(files: SourceFile[]): ImportedNetwork {
  const entryFile = files.find((file) => file.path === 'interfaces') ?? files.filter((file) => file.path.endsWith('/interfaces')).sort((a, b) => a.path.length - b.path.length)[0] ?? (files.length === 1 ? files[0] : undefined);
  if (!entryFile) throw sourceError(files.map((file) => file.path).join(', ') || '(no files)', null, 'none of these is an interfaces file; point at /etc/network/interfaces or the folder holding it');
  const reader = new Reader(files);
  reader.read(entryFile);
  const warnings = reader.warnings;
  const merged = mergeStanzas(parseStanzas(reader.lines, warnings));

  // Members a bond names, and members that name their bond (ifenslave's bond-master on the slave).
  const membersOf = new Map<string, string[]>();
  for (const entry of merged.values()) {
    const master = entry.single.get('bond-master');
    if (master) membersOf.set(master.value, [...(membersOf.get(master.value) ?? []), entry.name]);
  }

  const built: { spec: FileInterface; where: Where }[] = [];
  const addressesOf = new Map<string, string[]>();
  let gateway: ImportedNetwork['gateway'];
  for (const entry of merged.values()) {
    const { name } = entry;
    if (entry.stanzas.some((stanza) => stanza.method === 'loopback')) continue;
    const options = entry.stanzas.flatMap((stanza) => stanza.options);
    if (options.some((option) => option.key === 'ovs-type')) {
      warnings.push(`${at(entry.where)}: ${name} is an Open vSwitch stanza (ovs_type), which this importer does not read; ignored`);
      continue;
    }
    for (const option of options) if (!MODELLED.has(option.key)) warnings.push(`${at(option.where)}: ${option.key} of ${name} is not modelled; ignored`);
    // An alias (eth0:1, vlan100:1, as seed 001 writes) lends its addresses to the interface it names.
    const owner = name.split(':')[0]!;
    if (owner !== name) {
      if (!merged.has(owner)) throw sourceError(entry.where.file, entry.where.line, `${name} is an alias of ${owner}, which has no iface stanza`);
      for (const option of entry.single.values()) warnings.push(`${at(option.where)}: ${option.key} of the alias ${name} is not modelled; ignored`);
    }
    for (const stanza of entry.stanzas) {
      if (stanza.method !== 'static' && stanza.method !== 'manual') {
        warnings.push(`${at(stanza.where)}: ${name} takes its ${stanza.family} configuration by ${stanza.method}, which a declaration does not carry; no address imported from it`);
        continue;
      }
      const read = stanzaAddresses(stanza, warnings);
      if (read.addresses.length && stanza.method === 'manual' && !stanza.bare) warnings.push(`${at(stanza.where)}: ${name} has addresses in an ${stanza.family} manual stanza, which ifupdown2 configures and classic ifupdown does not; imported`);
      addressesOf.set(owner, [...(addressesOf.get(owner) ?? []), ...read.addresses]);
      if (!read.gateway) continue;
      const { where, value } = read.gateway;
      let address: string;
      try {
        address = parseAddress(value).text;
      } catch (error) {
        if (error instanceof HostwireError) throw sourceError(where.file, where.line, `gateway of ${name}: ${error.fields[0]?.message ?? error.message}`);
        throw error;
      }
      if (gateway) warnings.push(`${at(where)}: a second default gateway (${address} on ${name}) is not modelled; the first, ${gateway.address} on ${gateway.interface}, is imported`);
      else gateway = { interface: owner, address };
    }
    if (owner !== name) continue;
    const isMember = entry.single.has('bond-master');
    const kind = kindOf(entry, { asMember: isMember, asMaster: membersOf.has(name) });
    const members = kind === 'bond' ? [...new Set([...nameList(entry.single.get('bond-slaves') ?? entry.single.get('bond-ports')), ...(membersOf.get(name) ?? [])])] : [];
    built.push({ spec: interfaceOf(entry, kind, members, warnings), where: entry.where });
  }
  for (const { spec } of built) {
    const addresses = [...new Set(addressesOf.get(spec.name) ?? [])];
    if (addresses.length) spec.addresses = addresses;
  }
  addImpliedInterfaces(built);
  inheritBridgeMtus(built.map(({ spec }) => spec));
  return { interfaces: validateDrafts(built.map(({ spec, where }) => draftInterface(spec, where))), linkState: {}, ...(gateway ? { gateway } : {}), warnings };
}

/**
 * Interfaces named as a member, port or VLAN parent without a stanza of their own are devices
 * the kernel has anyway: a dotted name (eth0.20 as a bridge port) is a VLAN ifupdown creates, any
 * other name a NIC.
 */
function addImpliedInterfaces(built: { spec: FileInterface; where: Where }[]): void {
  const known = new Set(built.map(({ spec }) => spec.name));
  for (let index = 0; index < built.length; index++) {
    const { spec, where } = built[index]!;
    const named = spec.kind === 'bond' ? spec.members : spec.kind === 'bridge' ? spec.ports : spec.kind === 'vlan' ? [spec.parent] : [];
    for (const name of named) {
      if (known.has(name)) continue;
      known.add(name);
      const dotted = dottedVlan(name);
      built.push({ spec: dotted && dotted.vlan >= 1 && dotted.vlan <= 4094 ? { kind: 'vlan', name, parent: dotted.parent, vlan: dotted.vlan } : { kind: 'physical', name }, where });
    }
  }
}

/**
 * A bridge without an mtu of its own runs at the smallest MTU of its ports (ifupdown2 refuses an
 * mtu on a bridge for that reason), when every port sets one; otherwise the kernel default stands.
 */
function inheritBridgeMtus(specs: InterfaceSpec[]): void {
  const mtuOf = new Map(specs.map((spec) => [spec.name, spec.mtu]));
  for (const spec of specs) {
    if (spec.kind !== 'bridge' || spec.mtu !== undefined || !spec.ports.length) continue;
    const ports = spec.ports.map((port) => mtuOf.get(port));
    if (ports.every((mtu) => mtu !== undefined)) spec.mtu = Math.min(...(ports as number[]));
  }
}
