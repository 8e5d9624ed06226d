/**
 * libvirt XML for a KVM / Xen host:
 * - a `<network>` per bridge (forward mode bridge; on Open vSwitch a virtualport and one
 *   `<portgroup>` per port group, with its VLAN tag), where libvirt keeps network definitions;
 * - the host `<interface>` for `virsh iface-define`, one per top of a stack: a bridge holds its
 *   ports (NICs, bonds with their slaves, VLANs) inside it, as libvirt's interface XML nests them,
 *   so only interfaces that are no bond member and no Linux bridge port get a file of their own;
 * - a domain `<interface type='bridge'>` per guest vNIC, for `virsh attach-device --config`.
 * Open vSwitch bridges get no interface file: libvirt's interface XML (netcf) can only build Linux
 * bridges, and would turn one into a Linux bridge; the `ovs` format builds them.
 * libvirt's interface XML has no lacp_rate, xmit_hash_policy or primary: for active-backup its
 * primary is the first slave, so the primary is listed first.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { parseInterfaceAddress } from '../../domain/address.ts';
import { HostwireError } from '../../domain/errors.ts';
import { interfaceParents, stackMtus, type InterfaceSpec } from '../../domain/interfaces.ts';
import { addressesByInterface, defaultRoute, refuseVlanAwareBridges, type RenderedFile, type RenderInput } from '../files.ts';
import { guestFileName, guestPorts, portgroupVlan, type GuestPort, type PortVlan } from '../guest-ports.ts';

type XmlNode = Record<string, unknown>;
type BondSpec = Extract<InterfaceSpec, { kind: 'bond' }>;

/** Where the files go: networks where libvirt keeps them, definitions to feed virsh in hostwire's own folder. */
export const LIBVIRT_PATHS = {
  networks: 'etc/libvirt/qemu/networks',
  interfaces: 'etc/hostwire/libvirt/interfaces',
  domains: 'etc/hostwire/libvirt/domains',
};

// The builder escapes every text and attribute value, so names and addresses can hold & < > ' ".
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: true, indentBy: '  ', suppressEmptyNode: true });

/** A document with a header saying how to use it (static text: a comment may not hold a double hyphen). */
const document = (root: string, body: XmlNode, use: string) => `<!-- Rendered by hostwire: ${use}. Edit the declaration, not this file. -->\n${builder.build({ [root]: body })}`;

const vlanElement = (vlan: PortVlan): XmlNode => ({ ...(vlan.trunk ? { '@trunk': 'yes' } : {}), tag: vlan.tags.map((id) => ({ '@id': id })) });

function bondElement(spec: BondSpec, bare: (name: string) => XmlNode): XmlNode {
  const members = spec.primary && spec.mode === 'active-backup' ? [spec.primary, ...spec.members.filter((member) => member !== spec.primary)] : spec.members;
  return { '@mode': spec.mode, ...(spec.miimon !== undefined ? { miimon: { '@freq': spec.miimon } } : {}), interface: members.map(bare) };
}

/** `<protocol>` per address family, with the default route on the interface that carries it. */
function protocols(addresses: string[], gateway: string | null): XmlNode[] {
  const families = new Map<4 | 6, XmlNode[]>();
  for (const text of addresses) {
    const { address, prefix } = parseInterfaceAddress(text);
    families.set(address.family, [...(families.get(address.family) ?? []), { '@address': address.text, '@prefix': prefix.length }]);
  }
  const gatewayFamily = gateway === null ? null : gateway.includes(':') ? 6 : 4;
  return [...families].map(([family, ips]) => ({ '@family': `ipv${family}`, ip: ips, ...(family === gatewayFamily ? { route: { '@gateway': gateway } } : {}) }));
}

function guestInterface(host: RenderInput, port: GuestPort): XmlNode {
  return {
    '@type': 'bridge',
    mac: { '@address': port.mac },
    source: { '@bridge': port.bridge },
    // libvirt tags a guest port only through Open vSwitch, and must be told the bridge is one.
    ...(port.ovs ? { virtualport: { '@type': 'openvswitch' } } : {}),
    ...(port.vlan ? { vlan: vlanElement(port.vlan) } : {}),
    // virtio is KVM's paravirtual NIC; a Xen guest gets the libxl default (netfront, emulated for HVM).
    ...(host.platform === 'kvm' ? { model: { '@type': 'virtio' } } : {}),
  };
}

export function renderLibvirt(host: RenderInput): RenderedFile[] {
  // libvirt's interface XML (netcf) has no VLAN filtering: refused, not rendered as a bridge passing every VLAN.
  refuseVlanAwareBridges(host, 'libvirt');
  const specs = host.interfaces;
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const mtus = stackMtus(specs);
  const addresses = addressesByInterface(specs);
  const route = defaultRoute(host);
  const nested = new Set<string>();
  for (const spec of specs) {
    if (spec.kind === 'bond' || (spec.kind === 'bridge' && spec.flavor !== 'ovs')) for (const parent of interfaceParents(spec)) nested.add(parent.name);
  }

  /** An interface inside a bridge or bond: libvirt gives it no start mode, MTU or address there. */
  const bare = (name: string): XmlNode => {
    const spec = byName.get(name);
    switch (spec?.kind) {
      case 'physical':
        return { '@type': 'ethernet', '@name': name, ...(spec.mac ? { mac: { '@address': spec.mac } } : {}) };
      case 'bond':
        return { '@type': 'bond', '@name': name, bond: bondElement(spec, bare) };
      case 'vlan':
        return { '@type': 'vlan', '@name': name, vlan: { '@tag': spec.vlan, interface: { '@name': spec.parent } } };
      default:
        throw new HostwireError('validation', `${name} is a ${spec?.kind ?? 'missing interface'}, which libvirt cannot put inside a bridge or bond`, [{ path: `interfaces.${name}`, message: 'not a NIC, bond or VLAN' }]);
    }
  };

  const files: RenderedFile[] = [];
  for (const spec of specs) {
    if (nested.has(spec.name) || !['physical', 'bond', 'vlan', 'bridge'].includes(spec.kind) || (spec.kind === 'bridge' && spec.flavor === 'ovs')) continue;
    const body: XmlNode = {
      '@type': spec.kind === 'physical' ? 'ethernet' : spec.kind,
      '@name': spec.name,
      start: { '@mode': 'onboot' },
      ...(spec.kind === 'physical' && spec.mac ? { mac: { '@address': spec.mac } } : {}),
      ...(mtus.has(spec.name) ? { mtu: { '@size': mtus.get(spec.name) } } : {}),
      protocol: protocols(addresses.get(spec.name) ?? [], route?.interface === spec.name ? route.gateway : null),
      ...(spec.kind === 'bond' ? { bond: bondElement(spec, bare) } : {}),
      ...(spec.kind === 'vlan' ? { vlan: { '@tag': spec.vlan, interface: { '@name': spec.parent } } } : {}),
      ...(spec.kind === 'bridge' ? { bridge: { '@stp': spec.stp ? 'on' : 'off', ...(spec.forwardDelay !== undefined ? { '@delay': spec.forwardDelay } : {}), interface: spec.ports.map(bare) } } : {}),
    };
    files.push({ path: `${LIBVIRT_PATHS.interfaces}/${spec.name}.xml`, content: document('interface', body, 'virsh iface-define this file') });
  }

  for (const bridge of specs) {
    if (bridge.kind !== 'bridge') continue;
    const portgroups = specs.flatMap((spec) => {
      if (spec.kind !== 'portgroup' || spec.switch !== bridge.name) return [];
      const vlan = portgroupVlan(spec, bridge);
      return [{ '@name': spec.name, ...(vlan ? { vlan: vlanElement(vlan) } : {}) }];
    });
    const body: XmlNode = {
      name: bridge.name,
      forward: { '@mode': 'bridge' },
      bridge: { '@name': bridge.name },
      ...(bridge.flavor === 'ovs' ? { virtualport: { '@type': 'openvswitch' } } : {}),
      portgroup: portgroups,
    };
    files.push({ path: `${LIBVIRT_PATHS.networks}/${bridge.name}.xml`, content: document('network', body, 'virsh net-define this file') });
  }

  for (const { vm, ports } of guestPorts(host)) {
    for (const port of ports) {
      files.push({
        path: `${LIBVIRT_PATHS.domains}/${guestFileName(vm)}/${port.mac.replaceAll(':', '-')}.xml`,
        content: document('interface', guestInterface(host, port), 'virsh attach-device VM this file, with the config flag to keep it'),
      });
    }
  }
  return files;
}
