/**
 * Imports libvirt XML into a host's interface graph (`hostwire host import --format libvirt`):
 * `virsh iface-dumpxml` host interfaces (a bridge holds its NICs, bonds and VLANs nested, a bond its
 * slaves), `virsh net-dumpxml` networks (a bridged network marks its bridge Open vSwitch or Linux
 * and carries its port groups with their VLAN tags), `virsh dumpxml` domains (their interfaces
 * become guest vNICs on a bridge or port group), and `test:///` node files holding all three.
 * Input is refused with its file and line when it is not plain libvirt XML: DOCTYPE and entity
 * declarations (libvirt never writes them; they are how entity bombs get in), documents over 2 MiB,
 * malformed XML, unknown roots, and values outside what libvirt and hostwire allow.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { HostwireError } from '../../domain/errors.ts';
import { parseInterfaceSet, type InterfaceSpec } from '../../domain/interfaces.ts';
import type { LinkState } from '../../domain/network-diff.ts';
import { sourceError, type ImportedGuest, type ImportedNetwork, type SourceFile } from '../host-facts.ts';

/** libvirt's own documents are a few kilobytes; a node file with many guests stays well below this. */
const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
  line: number;
}

const parser = new XMLParser({
  preserveOrder: true,
  captureMetaData: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  // Only the five predefined entities and character references remain: declarations are refused first.
  processEntities: true,
  htmlEntities: false,
});
// Typed `Symbol` (the wrapper) by fast-xml-parser; it is a symbol.
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

/** Parses one document into elements that know their line, refusing what libvirt never writes. */
function parseDocument(file: SourceFile): XmlElement {
  const bytes = Buffer.byteLength(file.content);
  if (bytes > MAX_DOCUMENT_BYTES) throw sourceError(file.path, null, `is ${bytes} bytes; a libvirt XML document here is at most ${MAX_DOCUMENT_BYTES} bytes`);
  const lineStarts = [0];
  for (let index = file.content.indexOf('\n'); index !== -1; index = file.content.indexOf('\n', index + 1)) lineStarts.push(index + 1);
  const lineAt = (offset: number) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
  const declaration = /<!(DOCTYPE|ENTITY)/i.exec(file.content);
  if (declaration) throw sourceError(file.path, lineAt(declaration.index), `<!${declaration[1]!.toUpperCase()}> is not accepted: libvirt XML has no DOCTYPE or entity declarations`);
  const valid = XMLValidator.validate(file.content);
  if (valid !== true) throw sourceError(file.path, valid.err.line, `is not well-formed XML: ${valid.err.msg}`);

  type Entry = Record<string, unknown> & { ':@'?: Record<string, string> };
  const convert = (entry: Entry): XmlElement | null => {
    const name = Object.keys(entry).find((key) => key !== ':@');
    if (!name || name.startsWith('#') || name.startsWith('?')) return null;
    const content = entry[name] as Entry[];
    const children = content.map(convert).filter((child): child is XmlElement => child !== null);
    const text = content.flatMap((child) => (typeof child['#text'] === 'string' ? [child['#text']] : [])).join('');
    const start = (entry as Record<symbol, { startIndex?: number }>)[META]?.startIndex ?? 0;
    return { name, attributes: { ...entry[':@'] }, children, text, line: lineAt(start) };
  };
  // The validator has refused a document without exactly one root element.
  return (parser.parse(file.content) as Entry[]).map(convert).find((element) => element !== null)!;
}

const child = (element: XmlElement, name: string) => element.children.find((candidate) => candidate.name === name);
const childrenNamed = (element: XmlElement, name: string) => element.children.filter((candidate) => candidate.name === name);

type Spec = Record<string, unknown> & { kind: InterfaceSpec['kind']; name: string };
type Origin = { file: string; line: number };

/** The import of one set of files: interfaces with where each was read, networks, guests, warnings. */
class LibvirtImport {
  readonly specs = new Map<string, { spec: Spec; origin: Origin }>();
  readonly linkState: Record<string, LinkState> = {};
  readonly warnings: string[] = [];
  gateway: ImportedNetwork['gateway'];
  /** Bridged networks: name -> bridge, and the flavor each bridge is marked with. */
  readonly networks = new Map<string, string>();
  readonly bridgeFlavors = new Map<string, { flavor: 'linux' | 'ovs'; origin: Origin }>();
  readonly guests: { guest: ImportedGuest; nics: { element: XmlElement; mac: string }[]; file: string }[] = [];

  /** The file being read, for the file:line of every error and warning. */
  file = '';

  read(file: SourceFile): void {
    this.file = file.path;
    const root = parseDocument(file);
    if (root.name === 'node') {
      for (const element of root.children) {
        if (element.name === 'interface' || element.name === 'network' || element.name === 'domain') this.readRoot(element);
        else this.warn(element, `<${element.name}> is not network configuration; skipped`);
      }
    } else if (['interface', 'network', 'domain'].includes(root.name)) {
      this.readRoot(root);
    } else {
      throw this.error(root, `the root element is <${root.name}>; use virsh iface-dumpxml, net-dumpxml or dumpxml output (<interface>, <network>, <domain>) or a test:/// <node> file`);
    }
  }

  private readRoot(element: XmlElement): void {
    if (element.name === 'network') return this.readNetwork(element);
    if (element.name === 'domain') return this.readDomain(element);
    if (element.attributes.name === undefined && child(element, 'source')) throw this.error(element, 'a guest <interface> on its own names no VM; import the domain it belongs to (virsh dumpxml)');
    this.readInterface(element, true);
  }

  private error(element: XmlElement, message: string): HostwireError {
    return sourceError(this.file, element.line, message);
  }

  private warn(element: XmlElement, message: string): void {
    this.warnings.push(`${this.file}:${element.line}: ${message}`);
  }

  private attribute(element: XmlElement, name: string): string {
    const value = element.attributes[name];
    if (value === undefined || value === '') throw this.error(element, `<${element.name}> needs a ${name} attribute`);
    return value;
  }

  private integer(element: XmlElement, name: string, min: number, max: number): number {
    const text = this.attribute(element, name);
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw this.error(element, `<${element.name} ${name}='${text}'>: ${name} must be a whole number from ${min} to ${max}`);
    return Number(text);
  }

  private record(element: XmlElement, spec: Spec): void {
    const seen = this.specs.get(spec.name);
    if (!seen) {
      this.specs.set(spec.name, { spec, origin: { file: this.file, line: element.line } });
      return;
    }
    // The same interface read twice (a NIC dumped alone and inside its bond) must agree.
    const where = `${seen.origin.file}:${seen.origin.line}`;
    if (seen.spec.kind !== spec.kind) throw this.error(element, `${spec.name} is a ${spec.kind} here but a ${seen.spec.kind} at ${where}`);
    for (const [key, value] of Object.entries(spec)) {
      if (seen.spec[key] !== undefined && JSON.stringify(seen.spec[key]) !== JSON.stringify(value)) throw this.error(element, `${spec.name} has ${key} ${JSON.stringify(value)} here but ${JSON.stringify(seen.spec[key])} at ${where}`);
      seen.spec[key] = value;
    }
  }

  /** A host interface and, inside a bridge or bond, the ones nested in it; returns its name. */
  private readInterface(element: XmlElement, top: boolean): string {
    const type = this.attribute(element, 'type');
    const spec: Spec = { kind: 'physical', name: element.attributes.name ?? '' };
    switch (type) {
      case 'ethernet': {
        const mac = child(element, 'mac');
        if (mac) spec.mac = this.attribute(mac, 'address');
        break;
      }
      case 'bond': {
        const bond = child(element, 'bond');
        if (!bond) throw this.error(element, `bond ${spec.name} has no <bond> element with its slaves`);
        spec.kind = 'bond';
        // With no mode, libvirt leaves the driver's default: balance-rr.
        spec.mode = bond.attributes.mode ?? 'balance-rr';
        const miimon = child(bond, 'miimon');
        if (miimon) spec.miimon = this.integer(miimon, 'freq', 0, 60000);
        if (child(bond, 'arpmon')) this.warn(bond, `bond ${spec.name}: ARP monitoring is not modelled; only MII monitoring is`);
        spec.members = childrenNamed(bond, 'interface').map((slave) => {
          const name = this.readInterface(slave, false);
          const state = this.linkStateOf(slave);
          if (state) this.linkState[`${spec.name}/${name}`] = state;
          return name;
        });
        break;
      }
      case 'vlan': {
        const vlan = child(element, 'vlan');
        const parent = vlan && child(vlan, 'interface');
        if (!vlan || !parent) throw this.error(element, 'a vlan interface needs <vlan tag=...><interface name=.../></vlan>');
        spec.kind = 'vlan';
        spec.vlan = this.integer(vlan, 'tag', 1, 4094);
        spec.parent = this.attribute(parent, 'name');
        // libvirt may leave the name out of a VLAN; it is then DEVICE.TAG.
        spec.name ||= `${spec.parent}.${spec.vlan}`;
        break;
      }
      case 'bridge': {
        const bridge = child(element, 'bridge');
        if (!bridge) throw this.error(element, `bridge ${spec.name} has no <bridge> element`);
        spec.kind = 'bridge';
        spec.stp = bridge.attributes.stp === 'on';
        if (bridge.attributes.delay !== undefined) spec.forwardDelay = this.integer(bridge, 'delay', 0, 30);
        spec.ports = childrenNamed(bridge, 'interface').map((port) => this.readInterface(port, false));
        break;
      }
      default:
        throw this.error(element, `interface type '${type}' is not one of: ethernet, bond, vlan, bridge`);
    }
    if (!spec.name) throw this.error(element, `<interface type='${type}'> needs a name attribute`);
    const state = this.linkStateOf(element);
    if (state && top) this.linkState[spec.name] = state;
    if (top) {
      const mtu = child(element, 'mtu');
      if (mtu) spec.mtu = this.integer(mtu, 'size', 68, 9216);
      const addresses = childrenNamed(element, 'protocol').flatMap((protocol) => this.readProtocol(protocol, spec.name));
      if (addresses.length) spec.addresses = addresses;
    }
    this.record(element, spec);
    return spec.name;
  }

  private linkStateOf(element: XmlElement): LinkState | null {
    const state = child(element, 'link')?.attributes.state;
    if (state === undefined) return null;
    return state === 'up' ? 'up' : ['down', 'lowerlayerdown', 'notpresent'].includes(state) ? 'down' : 'unknown';
  }

  private readProtocol(protocol: XmlElement, name: string): string[] {
    const family = this.attribute(protocol, 'family');
    if (family !== 'ipv4' && family !== 'ipv6') throw this.error(protocol, `protocol family '${family}' is not ipv4 or ipv6`);
    if (child(protocol, 'dhcp') || child(protocol, 'autoconf')) this.warn(protocol, `${name}: dynamic ${family} addressing is not modelled; only static addresses are imported`);
    const route = child(protocol, 'route');
    if (route) {
      const gateway = { interface: name, address: this.attribute(route, 'gateway') };
      if (this.gateway) this.warn(route, `${name}: a second default gateway ${gateway.address}; kept ${this.gateway.address} on ${this.gateway.interface}`);
      else this.gateway = gateway;
    }
    return childrenNamed(protocol, 'ip').map((ip) => {
      if (ip.attributes.prefix === undefined) throw this.error(ip, `${name}: <ip address='${ip.attributes.address ?? ''}'> needs a prefix attribute (e.g. prefix='24')`);
      return `${this.attribute(ip, 'address')}/${ip.attributes.prefix}`;
    });
  }

  private readNetwork(element: XmlElement): void {
    const name = child(element, 'name')?.text;
    if (!name) throw this.error(element, 'a <network> needs a <name>');
    const forward = child(element, 'forward');
    const bridge = child(element, 'bridge')?.attributes.name;
    if (forward?.attributes.mode !== 'bridge' || !bridge || forward.children.length) {
      this.warn(element, `network ${name} (forward mode ${forward?.attributes.mode ?? 'none'}) is not a host bridge libvirt attaches guests to; not imported`);
      return;
    }
    if (child(element, 'vlan')) this.warn(element, `network ${name}: a network-wide VLAN is not modelled; put it on a port group`);
    this.networks.set(name, bridge);
    const flavor = child(element, 'virtualport')?.attributes.type === 'openvswitch' ? 'ovs' : 'linux';
    this.bridgeFlavors.set(bridge, { flavor, origin: { file: this.file, line: element.line } });
    for (const portgroup of childrenNamed(element, 'portgroup')) {
      const spec: Spec = { kind: 'portgroup', name: this.attribute(portgroup, 'name'), switch: bridge, vlan: 0 };
      const vlan = child(portgroup, 'vlan');
      const tags = vlan ? childrenNamed(vlan, 'tag').map((tag) => this.integer(tag, 'id', 0, 4095)) : [];
      if (vlan?.children.some((tag) => tag.attributes.nativeMode !== undefined)) this.warn(vlan, `port group ${spec.name}: a native VLAN mode is not modelled`);
      if (vlan?.attributes.trunk === 'yes' || tags.length > 1) {
        spec.vlan = 4095;
        spec.trunk = vlanRanges(tags);
      } else if (tags.length) {
        spec.vlan = tags[0];
      }
      this.record(portgroup, spec);
    }
  }

  private readDomain(element: XmlElement): void {
    const name = child(element, 'name')?.text;
    if (!name) throw this.error(element, 'a <domain> needs a <name>');
    const uuid = child(element, 'uuid')?.text;
    const devices = child(element, 'devices');
    const nics = (devices ? childrenNamed(devices, 'interface') : []).map((nic) => {
      const mac = child(nic, 'mac');
      if (!mac) throw this.error(nic, `VM ${name}: an <interface> needs <mac address=...> (hostwire knows a vNIC by its VM and MAC)`);
      const address = this.attribute(mac, 'address').toLowerCase();
      if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(address)) throw this.error(mac, `VM ${name}: '${address}' is not a MAC address such as 52:54:00:12:34:56`);
      return { element: nic, mac: address };
    });
    this.guests.push({ guest: { name, ...(uuid ? { uuid } : {}), nics: [] }, nics, file: this.file });
  }

  /** Where a guest interface attaches, once every network and port group is known. */
  attachment(vm: string, nic: XmlElement, mac: string): string | null {
    const source = child(nic, 'source');
    const type = nic.attributes.type;
    const where = `VM ${vm}: vNIC ${mac}`;
    const onBridge = (bridge: string, portgroup: string | undefined) => {
      if (portgroup) {
        if (this.specs.get(portgroup)?.spec.switch === bridge) return portgroup;
        this.warn(nic, `${where} names port group ${portgroup}, which no network on bridge ${bridge} has; attached to the bridge`);
        return bridge;
      }
      const vlan = child(nic, 'vlan');
      if (!vlan) return bridge;
      const tags = childrenNamed(vlan, 'tag').map((tag) => this.integer(tag, 'id', 0, 4095));
      const trunk = vlan.attributes.trunk === 'yes' || tags.length > 1;
      const match = [...this.specs.values()].find(({ spec }) => spec.kind === 'portgroup' && spec.switch === bridge && (trunk ? spec.vlan === 4095 && JSON.stringify(spec.trunk) === JSON.stringify(vlanRanges(tags)) : spec.vlan === tags[0]));
      if (match) return match.spec.name;
      this.warn(nic, `${where} carries VLAN ${tags.join(',')} on bridge ${bridge}, which no port group there has; attached to the bridge`);
      return bridge;
    };
    if (type === 'bridge' && source?.attributes.bridge) return onBridge(source.attributes.bridge, undefined);
    if (type === 'network' && source?.attributes.network) {
      const bridge = this.networks.get(source.attributes.network);
      if (bridge) return onBridge(bridge, source.attributes.portgroup);
      this.warn(nic, `${where} is on network ${source.attributes.network}, which is not among the imported bridged networks; imported unattached`);
      return null;
    }
    this.warn(nic, `${where} is a ${type ?? 'typeless'} interface, not on a host bridge; imported unattached`);
    return null;
  }
}

/** VLAN tags as sorted, merged first-last ranges. */
function vlanRanges(tags: number[]): { first: number; last: number }[] {
  const ranges: { first: number; last: number }[] = [];
  for (const tag of [...new Set(tags)].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && last.last === tag - 1) last.last = tag;
    else ranges.push({ first: tag, last: tag });
  }
  return ranges;
}

export function importLibvirtXml(files: SourceFile[]): ImportedNetwork & { guests: ImportedGuest[] } {
  const state = new LibvirtImport();
  for (const file of files) state.read(file);

  for (const [bridge, { flavor, origin }] of state.bridgeFlavors) {
    const seen = state.specs.get(bridge);
    if (seen && seen.spec.kind !== 'bridge') throw sourceError(origin.file, origin.line, `the network's bridge ${bridge} is a ${seen.spec.kind} at ${seen.origin.file}:${seen.origin.line}`);
    if (seen) seen.spec.flavor = flavor;
    else {
      state.specs.set(bridge, { spec: { kind: 'bridge', name: bridge, ports: [], flavor }, origin });
      state.warnings.push(`${origin.file}:${origin.line}: bridge ${bridge} is known only from its network; its ports and addresses are not described`);
    }
  }
  for (const { spec, origin } of [...state.specs.values()]) {
    const parent = spec.kind === 'vlan' ? (spec.parent as string) : null;
    if (parent && !state.specs.has(parent)) {
      state.specs.set(parent, { spec: { kind: 'physical', name: parent }, origin });
      state.warnings.push(`${origin.file}:${origin.line}: ${parent}, the parent of ${spec.name}, is not described; taken as a NIC`);
    }
  }

  const entries = [...state.specs.values()];
  let interfaces: InterfaceSpec[];
  try {
    interfaces = parseInterfaceSet(entries.map((entry) => entry.spec), 'kvm', { observed: true });
  } catch (error) {
    if (!(error instanceof HostwireError)) throw error;
    // Point each problem at the file and line its interface was read from.
    const fields = error.fields.map((field) => {
      const index = /^interfaces\.(\d+)/.exec(field.path)?.[1];
      const entry = index === undefined ? undefined : entries[Number(index)];
      return entry ? { path: `${entry.origin.file}:${entry.origin.line}`, message: `${entry.spec.name}: ${field.message}` } : field;
    });
    throw new HostwireError('validation', fields.map((field) => `${field.path}: ${field.message}`).join('; '), fields);
  }

  const guests = state.guests.map(({ guest, nics, file }) => {
    state.file = file;
    return { ...guest, nics: nics.map(({ element, mac }) => ({ mac, attachment: state.attachment(guest.name, element, mac) })) };
  });
  return { interfaces, linkState: state.linkState, ...(state.gateway ? { gateway: state.gateway } : {}), warnings: state.warnings, guests };
}
