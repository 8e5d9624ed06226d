/**
 * Imports NetworkManager keyfiles (a system-connections folder of `.nmconnection` files) into a
 * host's interface graph: ethernet, bond, VLAN and bridge connections, their ports (`master` /
 * `slave-type`, or `controller` / `port-type` as newer NetworkManager writes them), MTU, MAC,
 * static addresses and the default gateway. Settings hostwire does not model become warnings
 * naming file and line; malformed or hostile input is refused with the file, the line and what is
 * allowed. The syntax is GLib's key file, as NetworkManager reads it.
 */
import { parseAddress, parseInterfaceAddress } from '../../domain/address.ts';
import { HostwireError } from '../../domain/errors.ts';
import { BOND_MODES, LACP_RATES, parseInterfaceSet, XMIT_HASH_POLICIES, type InterfaceSpec } from '../../domain/interfaces.ts';
import { sourceError, type ImportedNetwork, type SourceFile } from '../host-facts.ts';

export interface KeyfileValue {
  value: string;
  line: number;
}
/** A parsed keyfile: section name -> key -> value with its line; sections under NM's short names. */
export type Keyfile = Map<string, Map<string, KeyfileValue>>;

/** The long setting names NetworkManager also accepts, mapped to the short ones it writes. */
const SECTION_ALIASES: Record<string, string> = { '802-3-ethernet': 'ethernet' };
const MAX_LINE = 4096;
const ESCAPES: Record<string, string> = { s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\', ';': ';' };

/** GLib key file syntax: `[section]` headers, `key=value` lines, `#` comments, backslash escapes. */
export function parseKeyfile(file: SourceFile): Keyfile {
  const sections: Keyfile = new Map();
  let current: Map<string, KeyfileValue> | undefined;
  file.content.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.length > MAX_LINE) throw sourceError(file.path, line, `the line is longer than ${MAX_LINE} characters`);
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) throw sourceError(file.path, line, 'the line holds a control character; a keyfile is plain text');
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const header = /^\[([^[\]]+)\]$/.exec(trimmed);
    if (header) {
      const name = SECTION_ALIASES[header[1]!] ?? header[1]!;
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      return;
    }
    if (trimmed.startsWith('[')) throw sourceError(file.path, line, `'${trimmed}' is not a section header; write [name] with no brackets inside`);
    const pair = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/.exec(trimmed);
    if (!pair) throw sourceError(file.path, line, `'${trimmed}' is neither a [section], a key=value line nor a # comment`);
    if (!current) throw sourceError(file.path, line, `${pair[1]} is set before any [section]; start the file with [connection]`);
    if (current.has(pair[1]!)) throw sourceError(file.path, line, `${pair[1]} is set twice in its section (first on line ${current.get(pair[1]!)!.line})`);
    current.set(pair[1]!, { value: unescape(pair[2]!, file.path, line), line });
  });
  return sections;
}

function unescape(value: string, path: string, line: number): string {
  return value.replace(/\\(.?)/g, (_, next: string) => {
    const replaced = ESCAPES[next];
    if (replaced === undefined) throw sourceError(path, line, `'\\${next}' is not a keyfile escape; use \\s \\n \\t \\r \\\\ or \\;`);
    return replaced;
  });
}

/** Keys hostwire reads, per section; keys NetworkManager writes with no bearing on the interface graph are accepted silently. */
const READ: Record<string, readonly string[]> = {
  connection: ['id', 'uuid', 'type', 'interface-name', 'master', 'slave-type', 'controller', 'port-type'],
  ethernet: ['mac-address', 'mtu'],
  bond: ['mode', 'miimon', 'lacp_rate', 'xmit_hash_policy', 'primary'],
  vlan: ['id', 'parent'],
  bridge: ['stp', 'forward-delay'],
  // DNS servers and search domains belong to the subnet in hostwire, not to the interface.
  ipv4: ['method', 'gateway', 'dns', 'dns-search'],
  ipv6: ['method', 'gateway', 'dns', 'dns-search'],
};
const HARMLESS: Record<string, readonly string[]> = {
  connection: ['autoconnect', 'autoconnect-priority', 'autoconnect-retries', 'autoconnect-slaves', 'autoconnect-ports', 'timestamp', 'permissions'],
  // NM writes these defaults itself: VLAN header reordering, the IPv6 link-local address mode.
  vlan: ['flags'],
  ipv6: ['addr-gen-mode'],
};
const ADDRESS_KEY = /^address(es)?\d*$/;

const TYPES: Record<string, 'physical' | 'bond' | 'vlan' | 'bridge'> = { ethernet: 'physical', '802-3-ethernet': 'physical', bond: 'bond', vlan: 'vlan', bridge: 'bridge' };
/** The bonding driver's mode numbers, which NM accepts in place of the names. */
const BOND_MODE_NAMES: Record<string, string> = Object.fromEntries(BOND_MODES.map((mode, number) => [String(number), mode]));
/** What a Linux interface name may be: what the kernel accepts and the declaration can name. */
const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,14}$/;

interface Connection {
  file: string;
  keyfile: Keyfile;
  kind: 'physical' | 'bond' | 'vlan' | 'bridge';
  name: string;
  uuid?: string;
  id?: string;
}

type Spec = Record<string, unknown> & { kind: string; name: string };

export function importNmKeyfiles(files: SourceFile[]): ImportedNetwork {
  const warnings: string[] = [];
  const connections: Connection[] = [];
  const byName = new Map<string, Connection>();
  for (const file of files) {
    if (!file.path.endsWith('.nmconnection')) {
      warnings.push(`${file.path}: not a .nmconnection keyfile; skipped`);
      continue;
    }
    const keyfile = parseKeyfile(file);
    const connection = keyfile.get('connection');
    if (!connection) throw sourceError(file.path, null, 'has no [connection] section; every keyfile needs one with type= and interface-name=');
    const type = connection.get('type');
    if (!type) throw sourceError(file.path, null, `[connection] has no type=; use one of: ${Object.keys(TYPES).join(', ')}`);
    const kind = TYPES[type.value];
    if (!kind) {
      warnings.push(`${file.path}:${type.line}: a ${type.value} connection is not a host network interface hostwire models; skipped`);
      continue;
    }
    const ifname = connection.get('interface-name');
    if (!ifname) throw sourceError(file.path, null, '[connection] has no interface-name=; hostwire names interfaces as the kernel does, so add interface-name=NAME');
    checkName(ifname.value, file.path, ifname.line, 'interface-name');
    const earlier = byName.get(ifname.value);
    if (earlier) throw sourceError(file.path, ifname.line, `interface ${ifname.value} is also configured by ${earlier.file}; keep one connection per interface`);
    const entry: Connection = { file: file.path, keyfile, kind, name: ifname.value, uuid: connection.get('uuid')?.value, id: connection.get('id')?.value };
    connections.push(entry);
    byName.set(entry.name, entry);
    warnUnread(file.path, keyfile, warnings);
  }

  // master / vlan.parent may name an interface, a connection UUID or a connection id.
  const resolve = (reference: string) => byName.get(reference) ?? connections.find((entry) => entry.uuid === reference) ?? connections.find((entry) => entry.id === reference);
  const specs: Spec[] = [];
  const specByName = new Map<string, Spec>();
  const implied: Spec[] = [];
  let gateway: ImportedNetwork['gateway'];
  for (const entry of connections) {
    const spec: Spec = { kind: entry.kind, name: entry.name };
    const value = (section: string, key: string) => entry.keyfile.get(section)?.get(key);
    const mac = value('ethernet', 'mac-address');
    if (mac && entry.kind === 'physical') {
      if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(mac.value)) throw sourceError(entry.file, mac.line, `mac-address '${mac.value}' is not a MAC address such as 52:54:00:12:34:56`);
      spec.mac = mac.value.toLowerCase();
    }
    const mtu = integer(entry.file, value('ethernet', 'mtu'), 'mtu', 0, 9216);
    // 0 is NM's "leave the MTU as it is"; otherwise the kernel's minimum applies.
    if (mtu !== undefined && mtu !== 0) {
      if (mtu < 68) throw sourceError(entry.file, value('ethernet', 'mtu')!.line, `mtu ${mtu} is below 68, the smallest the kernel accepts; use 0 (automatic) or 68-9216`);
      spec.mtu = mtu;
    }
    if (entry.kind === 'bond') Object.assign(spec, bondOptions(entry));
    if (entry.kind === 'vlan') {
      const id = value('vlan', 'id');
      const parent = value('vlan', 'parent');
      if (!id || !parent) throw sourceError(entry.file, null, `[vlan] needs id= (1-4094) and parent= (an interface name or connection UUID)`);
      spec.vlan = integer(entry.file, id, 'vlan id', 1, 4094);
      const target = resolve(parent.value);
      spec.parent = target?.name ?? parent.value;
      if (!target) {
        checkName(parent.value, entry.file, parent.line, 'vlan.parent');
        if (!implied.some((nic) => nic.name === parent.value)) implied.push({ kind: 'physical', name: parent.value });
        warnings.push(`${entry.file}:${parent.line}: the VLAN's parent ${parent.value} has no keyfile here; it is taken as a physical NIC`);
      }
    }
    if (entry.kind === 'bridge') {
      const stp = value('bridge', 'stp');
      // NM enables STP on a bridge unless the keyfile says otherwise.
      spec.stp = stp ? boolean(entry.file, stp, 'stp') : true;
      const delay = integer(entry.file, value('bridge', 'forward-delay'), 'forward-delay', 0, 30);
      if (delay !== undefined) spec.forwardDelay = delay;
      spec.ports = [];
    }
    if (entry.kind === 'bond') spec.members = [];
    const ip = ipConfiguration(entry, warnings);
    if (ip.addresses.length) spec.addresses = ip.addresses;
    for (const candidate of ip.gateways) {
      if (gateway) warnings.push(`${entry.file}:${candidate.line}: a second default gateway ${candidate.address}; hostwire keeps one, ${gateway.address} on ${gateway.interface}`);
      else gateway = { interface: entry.name, address: candidate.address };
    }
    specs.push(spec);
    specByName.set(spec.name, spec);
  }

  for (const entry of connections) {
    const section = entry.keyfile.get('connection')!;
    const master = section.get('master') ?? section.get('controller');
    if (!master) continue;
    const portType = section.get('slave-type') ?? section.get('port-type');
    const owner = resolve(master.value);
    if (!owner) throw sourceError(entry.file, master.line, `the ${master.value} this connection is a port of has no keyfile here; name a bond or bridge connection by interface name or UUID`);
    if (owner.kind !== 'bond' && owner.kind !== 'bridge') throw sourceError(entry.file, master.line, `${owner.name} is a ${owner.kind}; a port belongs to a bond or a bridge`);
    if (portType && portType.value !== owner.kind) throw sourceError(entry.file, portType.line, `a ${portType.value} port, but ${owner.name} is a ${owner.kind}; write ${owner.kind}`);
    (specByName.get(owner.name)![owner.kind === 'bond' ? 'members' : 'ports'] as string[]).push(entry.name);
  }

  let interfaces: InterfaceSpec[];
  try {
    interfaces = parseInterfaceSet([...implied, ...specs], undefined, { observed: true });
  } catch (error) {
    if (error instanceof HostwireError) throw new HostwireError('validation', `the keyfiles describe a network that cannot exist: ${error.message}`, error.fields);
    throw error;
  }
  return { interfaces, linkState: {}, ...(gateway ? { gateway } : {}), warnings };
}

/** Static addresses of both families, and the gateways given with them (`address1=IP/len,GW`) or alone (`gateway=`). */
function ipConfiguration(entry: Connection, warnings: string[]): { addresses: string[]; gateways: { address: string; line: number }[] } {
  const addresses: string[] = [];
  const gateways: { address: string; line: number }[] = [];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const section = entry.keyfile.get(family) ?? new Map<string, KeyfileValue>();
    const method = section.get('method');
    if (method && ['auto', 'dhcp', 'shared'].includes(method.value)) warnings.push(`${entry.file}:${method.line}: ${family}.method=${method.value} takes addresses from the network; hostwire declares static addresses only`);
    for (const [key, { value, line }] of section) {
      if (key === 'gateway') gateways.push({ address: ipAddress(entry.file, line, value, family, false), line });
      if (!ADDRESS_KEY.test(key)) continue;
      for (const item of value.split(';').filter(Boolean)) {
        const [address, via] = item.split(',');
        addresses.push(ipAddress(entry.file, line, address!, family, true));
        if (via) gateways.push({ address: ipAddress(entry.file, line, via, family, false), line });
      }
    }
  }
  return { addresses, gateways };
}

function warnUnread(path: string, keyfile: Keyfile, warnings: string[]): void {
  for (const [section, keys] of keyfile) {
    for (const [key, { value, line }] of keys) {
      if (READ[section]?.includes(key) || HARMLESS[section]?.includes(key)) continue;
      if ((section === 'ipv4' || section === 'ipv6') && ADDRESS_KEY.test(key)) continue;
      warnings.push(`${path}:${line}: ${section}.${key}=${value} is not modelled by hostwire; ignored`);
    }
  }
}

function bondOptions(entry: Connection): Record<string, unknown> {
  const bond = entry.keyfile.get('bond') ?? new Map<string, KeyfileValue>();
  const options: Record<string, unknown> = {};
  const mode = bond.get('mode');
  // NM's bond mode when none is given.
  options.mode = mode ? (BOND_MODE_NAMES[mode.value] ?? mode.value) : 'balance-rr';
  if (!(BOND_MODES as readonly string[]).includes(options.mode as string)) throw sourceError(entry.file, mode!.line, `bond mode '${mode!.value}' is unknown; use one of: ${BOND_MODES.join(', ')} (or 0-6)`);
  const miimon = integer(entry.file, bond.get('miimon'), 'miimon', 0, 60000);
  if (miimon !== undefined) options.miimon = miimon;
  const lacpRate = bond.get('lacp_rate');
  if (lacpRate) {
    const rate = { '0': 'slow', '1': 'fast' }[lacpRate.value] ?? lacpRate.value;
    if (!(LACP_RATES as readonly string[]).includes(rate)) throw sourceError(entry.file, lacpRate.line, `lacp_rate '${lacpRate.value}' is unknown; use slow or fast`);
    options.lacpRate = rate;
  }
  const hash = bond.get('xmit_hash_policy');
  if (hash) {
    if (!(XMIT_HASH_POLICIES as readonly string[]).includes(hash.value)) throw sourceError(entry.file, hash.line, `xmit_hash_policy '${hash.value}' is unknown; use one of: ${XMIT_HASH_POLICIES.join(', ')}`);
    options.xmitHashPolicy = hash.value;
  }
  const primary = bond.get('primary');
  if (primary) {
    checkName(primary.value, entry.file, primary.line, 'primary');
    options.primary = primary.value;
  }
  return options;
}

function checkName(name: string, file: string, line: number, key: string): void {
  if (!IFNAME.test(name)) throw sourceError(file, line, `${key} '${name}' is not an interface name: 1-15 letters, digits and _ . @ -, starting with a letter or digit`);
}

function integer(file: string, entry: KeyfileValue | undefined, what: string, min: number, max: number): number | undefined {
  if (!entry) return undefined;
  if (!/^\d{1,6}$/.test(entry.value) || Number(entry.value) < min || Number(entry.value) > max) throw sourceError(file, entry.line, `${what} '${entry.value}' is not a whole number from ${min} to ${max}`);
  return Number(entry.value);
}

function boolean(file: string, entry: KeyfileValue, what: string): boolean {
  const value = { true: true, false: false, '1': true, '0': false }[entry.value];
  if (value === undefined) throw sourceError(file, entry.line, `${what} '${entry.value}' is not true or false`);
  return value;
}

/** An address (with its length) or a gateway (without) of the section's family. */
function ipAddress(file: string, line: number, text: string, family: 'ipv4' | 'ipv6', withLength: boolean): string {
  const wanted = family === 'ipv4' ? 4 : 6;
  try {
    if (withLength) {
      const { address, prefix } = parseInterfaceAddress(text.trim());
      if (address.family !== wanted) throw sourceError(file, line, `${address.text} is not an IPv${wanted} address; it belongs in [ipv${address.family}]`);
      return `${address.text}/${prefix.length}`;
    }
    const address = parseAddress(text.trim(), 'gateway');
    if (address.family !== wanted) throw sourceError(file, line, `gateway ${address.text} is not an IPv${wanted} address; it belongs in [ipv${address.family}]`);
    return address.text;
  } catch (error) {
    if (error instanceof HostwireError && !error.message.startsWith(`${file}:`)) throw sourceError(file, line, error.fields[0]?.message ?? error.message);
    throw error;
  }
}
