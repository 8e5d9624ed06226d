/**
 * The per-host kickstarts the server hands out behind each host's token: ESXi's ks.cfg (accept the
 * EULA, install on the first disk, the root hash, the management `network` line, and a %firstboot
 * section with the host's declared switches, port groups and vmks as esxcli commands), and a RHEL /
 * Oracle Linux kickstart whose `network` lines build the host's declared bonds, VLANs and bridges.
 * A host without a declaration gets its management address from its provisioning record, through
 * the same line builders, as a one-NIC declaration.
 */
import { ipv4Netmask, parseInterfaceAddress, parsePrefix } from '../../domain/address.ts';
import { HostwireError } from '../../domain/errors.ts';
import { BOND_OPTION_MODES, interfaceParents, parseInterfaceSet, stackMtus, type InterfaceSpec } from '../../domain/interfaces.ts';
import { esxcliCommands, kickstartNetworkLine } from '../../render/esxcli/index.ts';
import { managementVmk, readEsxiNetwork } from '../../render/esxi/network.ts';
import { addressesByInterface, defaultRoute, refuseVlanAwareBridges, type RenderedFile, type RenderInput } from '../../render/files.ts';
import type { PxeRenderInput } from '../model.ts';
import { imageUrl, type PxeHostEntry } from './layout.ts';

/** A crypt(3) hash: MD5 ($1$), SHA-256 ($5$) or SHA-512 ($6$), with an optional rounds= field. */
const CRYPT_HASH = /^\$[156]\$(rounds=[0-9]{1,9}\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{22,86}$/;

/** Refuses a root password that is not a crypt hash, without repeating it: it may be the password itself. */
export function checkRootPasswordHash(hash: string | null): void {
  if (hash !== null && !CRYPT_HASH.test(hash)) {
    const message = 'is not a crypt(3) hash ($1$, $5$ or $6$...); give the hash, e.g. from `openssl passwd -6`, never the password itself';
    throw new HostwireError('validation', `rootPasswordHash ${message}`, [{ path: 'rootPasswordHash', message }]);
  }
}

const rootpw = (input: PxeRenderInput) => (input.rootPasswordHash ? [`rootpw --iscrypted ${input.rootPasswordHash}`] : []);

/** The subnet facts of the record's address, keyed as RenderInput.subnets wants them. */
const recordSubnets = ({ record, subnet }: PxeHostEntry): RenderInput['subnets'] => ({ [record.address]: { name: subnet.name, gateway: subnet.gateway, dns: subnet.dns, domain: subnet.domain, vlan: subnet.vlan } });

const recordAddress = ({ record, subnet }: PxeHostEntry) => `${record.address}/${parsePrefix(subnet.cidr).length}`;

/** The declared host as the kickstart sees it: the record's address is the management address, its FQDN the host name. */
function declaredHost(entry: PxeHostEntry, declared: RenderInput, platforms: string[]): RenderInput {
  if (!platforms.includes(declared.platform)) {
    throw new HostwireError('validation', `${entry.record.name}: image ${entry.image.name} is ${entry.image.kind}, but the host is declared as ${declared.platform}`, [{ path: 'image', message: 'image kind and platform disagree' }]);
  }
  return { ...declared, managementAddress: entry.record.address, fqdn: entry.record.hostname, subnets: { ...recordSubnets(entry), ...declared.subnets } };
}

const mismatch = (entry: PxeHostEntry, found: string) =>
  new HostwireError('validation', `${entry.record.name}: the provisioning record gives ${entry.record.address}, but ${found}: make the declaration and the record agree`, [{ path: 'address', message: 'record and declaration disagree' }]);

/** An ESXi host's installer network: as declared, else vSwitch0 / "Management Network" / vmk0 on the PXE NIC with the record's VLAN. */
function esxiHost(entry: PxeHostEntry): RenderInput {
  if (entry.declared) {
    const host = declaredHost(entry, entry.declared, ['esxi']);
    const vmk = managementVmk(host, readEsxiNetwork(host, 'ks.cfg'));
    if (vmk?.ipv4 && vmk.ipv4.address !== entry.record.address) throw mismatch(entry, `its management vmk ${vmk.name} is declared with ${vmk.ipv4.address}`);
    return host;
  }
  const interfaces = parseInterfaceSet(
    [
      { kind: 'physical', name: 'vmnic0', mac: entry.record.mac },
      { kind: 'vswitch', name: 'vSwitch0', uplinks: ['vmnic0'] },
      { kind: 'portgroup', name: 'Management Network', switch: 'vSwitch0', vlan: entry.record.vlan ?? 0 },
      { kind: 'vmk', name: 'vmk0', attachment: 'Management Network', addresses: [recordAddress(entry)], services: ['management'] },
    ],
    'esxi',
  );
  return { name: entry.record.name, platform: 'esxi', osFamily: 'esxi', interfaces, managementAddress: entry.record.address, fqdn: entry.record.hostname, subnets: recordSubnets(entry) };
}

export function renderEsxiKickstart(input: PxeRenderInput, entry: PxeHostEntry): RenderedFile {
  const host = esxiHost(entry);
  const lines = [
    `# hostwire: scripted install of ${entry.record.name} from image ${entry.image.name}`,
    'vmaccepteula',
    'install --firstdisk --overwritevmfs',
    ...rootpw(input),
    kickstartNetworkLine(host),
    'reboot',
  ];
  // Undeclared hosts get only the installer's own management network: there is nothing to add after it.
  if (entry.declared) lines.push('', '%firstboot --interpreter=busybox', ...esxcliCommands(host));
  return { path: `ks/${entry.record.name}.cfg`, content: `${lines.join('\n')}\n`, mode: 0o600 };
}

type Spec<K extends InterfaceSpec['kind']> = Extract<InterfaceSpec, { kind: K }>;

/** The bonding driver's options, by name, that the bond's mode uses; anaconda's --bondopts separates them with commas. */
function bondOptions(spec: Spec<'bond'>): string {
  const options = [`mode=${spec.mode}`];
  if (spec.miimon !== undefined) options.push(`miimon=${spec.miimon}`);
  if (spec.lacpRate && BOND_OPTION_MODES.lacpRate.includes(spec.mode)) options.push(`lacp_rate=${spec.lacpRate}`);
  if (spec.xmitHashPolicy && BOND_OPTION_MODES.xmitHashPolicy.includes(spec.mode)) options.push(`xmit_hash_policy=${spec.xmitHashPolicy}`);
  if (spec.primary && BOND_OPTION_MODES.primary.includes(spec.mode)) options.push(`primary=${spec.primary}`);
  return options.join(',');
}

/**
 * The kickstart `network` lines of a Linux host, one per device anaconda creates: a NIC by its MAC
 * (or name), a bond with --bondslaves/--bondopts, a VLAN as --vlanid on its parent's device with
 * --interfacename, a bridge with --bridgeslaves/--bridgeopts. NICs enslaved to a bond or bridge
 * need no line of their own. Addresses: the first IPv4 and the first IPv6 per device (the command
 * takes one of each; the rest are named in a comment), the gateway only on the device carrying the
 * default route. No --activate: the installer keeps the address it booted with to reach the
 * install tree, and the declared network takes over on the installed system.
 */
export function kickstartNetworkLines(host: RenderInput): string[] {
  refuseVlanAwareBridges(host, 'a kickstart');
  const ovs = host.interfaces.filter((spec) => spec.kind === 'bridge' && spec.flavor === 'ovs').map((spec) => spec.name);
  if (ovs.length) throw new HostwireError('validation', `${host.name}: ${ovs.join(', ')} ${ovs.length > 1 ? 'are Open vSwitch bridges' : 'is an Open vSwitch bridge'}, which a kickstart network line cannot create: declare a Linux bridge, or add it after the install with the ovs rendering`, [{ path: 'interfaces', message: 'OVS bridge' }]);
  const specs = host.interfaces;
  const addresses = addressesByInterface(specs);
  const mtus = stackMtus(specs);
  const route = defaultRoute(host);
  const enslaved = new Set(specs.flatMap((spec) => interfaceParents(spec).filter((parent) => parent.role === 'member' || parent.role === 'port').map((parent) => parent.name)));
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const device = (name: string): string => {
    const spec = byName.get(name);
    return spec?.kind === 'physical' && spec.mac ? spec.mac : name;
  };
  const lines: string[] = [`network --hostname=${host.fqdn ?? host.name}`];
  for (const spec of specs) {
    let created: [string, string | number][];
    if (spec.kind === 'physical' && !enslaved.has(spec.name)) created = [['device', device(spec.name)]];
    else if (spec.kind === 'bond') created = [['device', spec.name], ['bondslaves', spec.members.join(',')], ['bondopts', bondOptions(spec)]];
    else if (spec.kind === 'vlan') created = [['device', device(spec.parent)], ['vlanid', spec.vlan], ['interfacename', spec.name]];
    else if (spec.kind === 'bridge') created = [['device', spec.name], ['bridgeslaves', spec.ports.join(',')], ['bridgeopts', [`stp=${spec.stp ? 'yes' : 'no'}`, ...(spec.forwardDelay !== undefined ? [`forward-delay=${spec.forwardDelay}`] : [])].join(',')]];
    else continue;
    const parsed = (addresses.get(spec.name) ?? []).map((text) => parseInterfaceAddress(text));
    const v4 = parsed.filter(({ address }) => address.family === 4);
    const v6 = parsed.filter(({ address }) => address.family === 6);
    const ip: [string, string][] = [];
    if (v4[0]) {
      const subnet = host.subnets?.[v4[0].address.text];
      ip.push(['bootproto', 'static'], ['ip', v4[0].address.text], ['netmask', ipv4Netmask(v4[0].prefix.length)]);
      if (route?.interface === spec.name && !route.gateway.includes(':')) ip.push(['gateway', route.gateway]);
      if (subnet?.dns.length) ip.push(['nameserver', subnet.dns.join(',')]);
    } else ip.push(['noipv4', '']);
    if (v6[0]) ip.push(['ipv6', `${v6[0].address.text}/${v6[0].prefix.length}`]);
    else ip.push(['noipv6', '']);
    if (route?.interface === spec.name && route.gateway.includes(':')) ip.push(['ipv6gateway', route.gateway]);
    const extra = [...v4.slice(1), ...v6.slice(1)].map(({ address, prefix }) => `${address.text}/${prefix.length}`);
    if (extra.length) lines.push(`# ${spec.name}: ${extra.join(', ')} not set: the network command takes one address per family`);
    const options = [...created, ...ip, ...(mtus.has(spec.name) ? [['mtu', mtus.get(spec.name)!] as [string, number]] : []), ['onboot', 'yes'] as [string, string]];
    lines.push(['network', ...options.map(([name, value]) => (value === '' ? `--${name}` : `--${name}=${value}`))].join(' '));
  }
  return lines;
}

/** A Linux host's network for its kickstart: as declared (holding the record's address), else the record's address on the PXE NIC, tagged with its VLAN. */
function linuxHost(entry: PxeHostEntry): RenderInput {
  if (entry.declared) {
    const host = declaredHost(entry, entry.declared, ['kvm', 'xen', 'ovm']);
    const held = [...addressesByInterface(host.interfaces).values()].flat().some((text) => text.split('/')[0] === entry.record.address);
    if (!held) throw mismatch(entry, 'no declared interface holds that address');
    return host;
  }
  const vlan = entry.record.vlan;
  const interfaces = parseInterfaceSet(
    [
      { kind: 'physical', name: 'nic0', mac: entry.record.mac, ...(vlan ? {} : { addresses: [recordAddress(entry)] }) },
      ...(vlan ? [{ kind: 'vlan', name: `nic0.${vlan}`, parent: 'nic0', vlan, addresses: [recordAddress(entry)] }] : []),
    ],
    'kvm',
  );
  return { name: entry.record.name, platform: 'kvm', osFamily: 'rhel', interfaces, managementAddress: entry.record.address, fqdn: entry.record.hostname, subnets: recordSubnets(entry) };
}

/**
 * A RHEL / Oracle Linux kickstart: text install from the image's tree over the server's HTTP, the
 * first disk wiped and partitioned automatically (as ESXi's --firstdisk --overwritevmfs does), the
 * root hash, the host's network, and a reboot into the installed system.
 */
export function renderLinuxKickstart(input: PxeRenderInput, entry: PxeHostEntry): RenderedFile {
  const lines = [
    `# hostwire: kickstart of ${entry.record.name} from image ${entry.image.name}`,
    'text',
    `url --url=${imageUrl(input, entry)}`,
    'lang en_US.UTF-8',
    'keyboard us',
    'timezone UTC --utc',
    'zerombr',
    'clearpart --all --initlabel',
    'autopart',
    ...rootpw(input),
    ...kickstartNetworkLines(linuxHost(entry)),
    'reboot',
  ];
  return { path: `ks/${entry.record.name}.cfg`, content: `${lines.join('\n')}\n`, mode: 0o600 };
}
