/**
 * NetworkManager keyfiles (etc/NetworkManager/system-connections/NAME.nmconnection), one
 * connection per interface, written the way NetworkManager 1.42 (Debian bookworm) itself writes
 * them, so that `nmcli` reads each one back with the same keys: ports name their bond or bridge
 * with `master` / `slave-type`, bond options go only with the modes that take them (NM refuses the
 * others), bridges say `stp` explicitly, the MTU is set on every layer of a stack, the gateway only
 * on the interface carrying the default route, and an interface without addresses gets methods
 * that bring up no DHCP. Each connection's UUID is derived from host and interface name, so a
 * re-rendering is byte-identical.
 */
import { createHash } from 'node:crypto';
import { parseInterfaceAddress } from '../../domain/address.ts';
import { invalid } from '../../domain/errors.ts';
import { BOND_OPTION_MODES, interfaceParents, stackMtus, type InterfaceSpec } from '../../domain/interfaces.ts';
import { addressesByInterface, defaultRoute, refuseVlanAwareBridges, type RenderedFile, type RenderInput } from '../files.ts';

export const NM_CONNECTIONS_DIR = 'etc/NetworkManager/system-connections';

/** The namespace of hostwire's connection UUIDs (UUID v5 style: SHA-1 of namespace + name). */
const UUID_NAMESPACE = Buffer.from('5b0e2f64c8a34d1e9f6a2d7c41b08e93', 'hex');

/** A stable UUID per host and interface, so NetworkManager keeps one profile across re-renderings. */
export function connectionUuid(host: string, interfaceName: string): string {
  const bytes = createHash('sha1').update(UUID_NAMESPACE).update(`${host}/${interfaceName}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

type Section = [string, string | number][];

/** NM's bond options, alphabetical as its keyfile writer orders them; each only with the modes that use it. */
function bondSection(spec: Extract<InterfaceSpec, { kind: 'bond' }>): Section {
  const options: Section = [];
  if (spec.lacpRate && BOND_OPTION_MODES.lacpRate.includes(spec.mode)) options.push(['lacp_rate', spec.lacpRate]);
  if (spec.miimon !== undefined) options.push(['miimon', spec.miimon]);
  options.push(['mode', spec.mode]);
  if (spec.primary && BOND_OPTION_MODES.primary.includes(spec.mode)) options.push(['primary', spec.primary]);
  if (spec.xmitHashPolicy && BOND_OPTION_MODES.xmitHashPolicy.includes(spec.mode)) options.push(['xmit_hash_policy', spec.xmitHashPolicy]);
  return options;
}

/** What one interface's addresses and their subnets give each IP family's section. */
function ipSections(host: RenderInput, name: string, addresses: string[], gateway: ReturnType<typeof defaultRoute>): Record<'ipv4' | 'ipv6', Section> {
  const parsed = addresses.map((text) => parseInterfaceAddress(text));
  const subnets = parsed.flatMap(({ address }) => host.subnets?.[address.text] ?? []);
  const sections: Record<'ipv4' | 'ipv6', Section> = { ipv4: [], ipv6: [] };
  for (const family of [4, 6] as const) {
    const own = parsed.filter(({ address }) => address.family === family);
    const section = sections[family === 4 ? 'ipv4' : 'ipv6'];
    if (!own.length) {
      // `disabled`, not `ignore`: with ignore the kernel would still take SLAAC addresses on a VM VLAN.
      section.push(['method', 'disabled']);
      continue;
    }
    own.forEach(({ address, prefix }, index) => {
      // NM keeps the gateway on the first address of its family, whichever address it came with.
      const routed = index === 0 && gateway?.interface === name && gateway.gateway.includes(':') === (family === 6);
      section.push([`address${index + 1}`, `${address.text}/${prefix.length}${routed ? `,${gateway.gateway}` : ''}`]);
    });
    // Each DNS server goes to its own family's section (NM refuses the other family's there).
    const dns = new Set(subnets.flatMap((subnet) => subnet.dns.filter((server) => server.includes(':') === (family === 6))));
    const domains = new Set(own.flatMap(({ address }) => host.subnets?.[address.text]?.domain ?? []));
    if (dns.size) section.push(['dns', `${[...dns].join(';')};`]);
    if (domains.size) section.push(['dns-search', `${[...domains].join(';')};`]);
    section.push(['method', 'manual']);
  }
  return sections;
}

const keyfile = (sections: [string, Section][]): string =>
  sections
    .filter(([, keys]) => keys.length)
    .map(([name, keys]) => `[${name}]\n${keys.map(([key, value]) => `${key}=${value}\n`).join('')}`)
    .join('\n');

export function renderNetworkManager(host: RenderInput): RenderedFile[] {
  // NetworkManager has bridge.vlan-filtering, which this rendering does not write yet: refused, not rendered as a bridge passing every VLAN.
  refuseVlanAwareBridges(host, 'networkmanager');
  const mtus = stackMtus(host.interfaces);
  const addresses = addressesByInterface(host.interfaces);
  const gateway = defaultRoute(host);
  const portOf = new Map<string, { master: string; type: 'bond' | 'bridge' }>();
  for (const spec of host.interfaces) {
    for (const parent of interfaceParents(spec)) {
      if (parent.role === 'member') portOf.set(parent.name, { master: spec.name, type: 'bond' });
      if (parent.role === 'port') portOf.set(parent.name, { master: spec.name, type: 'bridge' });
    }
  }
  const files: RenderedFile[] = [];
  for (const spec of host.interfaces) {
    let type: string;
    const specific: [string, Section][] = [];
    switch (spec.kind) {
      case 'physical':
        type = 'ethernet';
        break;
      case 'bond':
        type = 'bond';
        specific.push(['bond', bondSection(spec)]);
        break;
      case 'vlan':
        type = 'vlan';
        specific.push(['vlan', [['id', spec.vlan], ['parent', spec.parent]]]);
        break;
      case 'bridge':
        if (spec.flavor === 'ovs') throw invalid(`interfaces.${spec.name}.flavor`, `${spec.name} on ${host.name} is an Open vSwitch bridge; render it with the ovs format, these keyfiles carry Linux bridges only`);
        type = 'bridge';
        specific.push(['bridge', [...(spec.forwardDelay !== undefined ? [['forward-delay', spec.forwardDelay] as [string, number]] : []), ['stp', spec.stp ? 'true' : 'false']]]);
        break;
      default:
        // vmks lend their addresses to their bridge; ESXi kinds and port groups have no keyfile.
        continue;
    }
    const port = portOf.get(spec.name);
    // The MAC in upper case, as NM writes it back; the MTU where NM 1.42 keeps it for every type.
    const ethernet: Section = [...(spec.kind === 'physical' && spec.mac ? [['mac-address', spec.mac.toUpperCase()] as [string, string]] : []), ...(mtus.has(spec.name) ? [['mtu', mtus.get(spec.name)!] as [string, number]] : [])];
    // A port carries no IP configuration of its own: NM drops the ipv4/ipv6 settings of a port.
    const ip = port ? null : ipSections(host, spec.name, addresses.get(spec.name) ?? [], gateway);
    const content = keyfile([
      ['connection', [['id', spec.name], ['uuid', connectionUuid(host.name, spec.name)], ['type', type], ['interface-name', spec.name], ...(port ? ([['master', port.master], ['slave-type', port.type]] as Section) : [])]],
      ['ethernet', ethernet],
      ...specific,
      ...(ip ? ([['ipv4', ip.ipv4], ['ipv6', ip.ipv6]] as [string, Section][]) : []),
    ]);
    files.push({ path: `${NM_CONNECTIONS_DIR}/${spec.name}.nmconnection`, content: `# Rendered by hostwire for ${host.name}; edit the declaration, not this file.\n${content}`, mode: 0o600 });
  }
  return files;
}
