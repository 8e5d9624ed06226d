/**
 * Classic Debian /etc/network/interfaces (ifupdown with ifenslave, vlan and bridge-utils): bonds
 * with bond-* options, VLANs named PARENT.VID or vlanVID with vlan-raw-device, bridges with
 * bridge_ports / bridge_stp / bridge_fd, address + netmask in one `inet static` stanza per
 * address (ifupdown takes one address a stanza), IPv6 in `inet6 static` stanzas, `hwaddress ether`,
 * and the subnet's resolver in dns-nameservers / dns-search for resolvconf.
 */
import { ipv4Netmask } from '../../domain/address.ts';
import type { FieldError } from '../../domain/errors.ts';
import { refuseVlanAwareBridges, type RenderedFile, type RenderInput } from '../files.ts';
import { renderInterfacesFile, type Dialect, type Option } from './stanzas.ts';

/**
 * Classic ifupdown has no vlan-id option: it reads the id from the name, PARENT.VID built in, or
 * vlanVID through the vlan package's hook with vlan-raw-device.
 */
function vlanNameRefusals(host: RenderInput): FieldError[] {
  return host.interfaces.flatMap((spec, index) =>
    spec.kind === 'vlan' && spec.name !== `${spec.parent}.${spec.vlan}` && spec.name !== `vlan${spec.vlan}`
      ? [{ path: `interfaces.${index}.name`, message: `classic ifupdown reads a VLAN's id from its name, so ${spec.name} (VLAN ${spec.vlan} on ${spec.parent}) must be called ${spec.parent}.${spec.vlan} or vlan${spec.vlan}; or render with ifupdown2` }]
      : [],
  );
}

const CLASSIC: Dialect = {
  format: 'ifupdown',
  refusals: vlanNameRefusals,
  hwaddress: (mac) => ['hwaddress', `ether ${mac}`],
  carriesMtu: () => true,
  vlan: (spec) => [['vlan-raw-device', spec.parent]],
  bridge: (spec) => [
    ['bridge_ports', spec.ports.length ? spec.ports.join(' ') : 'none'],
    // Explicit, so the rendering does not lean on bridge-utils' default.
    ['bridge_stp', spec.stp ? 'on' : 'off'],
    ...(spec.forwardDelay !== undefined ? [['bridge_fd', spec.forwardDelay] as Option] : []),
  ],
  addressStanzas: (addresses) =>
    addresses.map((address) => ({
      addresses: [address],
      // inet6 takes the prefix length as its netmask.
      options: [['address', address.ip], ['netmask', address.ip.includes(':') ? address.prefixLength : ipv4Netmask(address.prefixLength)]],
    })),
  dns: (subnet) => [...(subnet.dns.length ? [['dns-nameservers', subnet.dns.join(' ')] as Option] : []), ...(subnet.domain ? [['dns-search', subnet.domain] as Option] : [])],
};

export function renderIfupdown(host: RenderInput): RenderedFile[] {
  // bridge-utils builds bridges without VLAN filtering.
  refuseVlanAwareBridges(host, 'ifupdown');
  return renderInterfacesFile(host, CLASSIC);
}
