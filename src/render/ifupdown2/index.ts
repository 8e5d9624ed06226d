/**
 * The ifupdown2 (Proxmox, Cumulus) dialect of /etc/network/interfaces: bond-* options, VLANs with
 * vlan-raw-device and vlan-id (any name), bridges with bridge-ports / bridge-stp / bridge-fd and an
 * explicit bridge-vlan-aware (bridge-vids for a VLAN-aware one), every address in CIDR form in one
 * stanza per family. It stays inside what `ifup -s` accepts: a bridge takes its MTU from its ports,
 * and the value ranges of ifupdown2's attribute table are checked before anything is written.
 */
import type { FieldError } from '../../domain/errors.ts';
import { vlanRangeTexts } from '../../domain/interfaces.ts';
import type { RenderedFile, RenderInput } from '../files.ts';
import { renderInterfacesFile, type Dialect, type Option } from '../ifupdown/stanzas.ts';

/** ifupdown2's attribute ranges (addons/address.py and bond.py) that are narrower than the model's. */
const MTU_RANGE = { min: 552, max: 9216 };
const MIIMON_MAX = 255;
const XMIT_HASH_POLICIES = ['layer2', 'layer3+4', 'layer2+3', 'encap2+3', 'encap3+4'];

function refusals(host: RenderInput, mtus: Map<string, number>): FieldError[] {
  const errors: FieldError[] = [];
  host.interfaces.forEach((spec, index) => {
    const path = `interfaces.${index}`;
    const mtu = mtus.get(spec.name);
    if (mtu !== undefined && (mtu < MTU_RANGE.min || mtu > MTU_RANGE.max)) errors.push({ path: `${path}.mtu`, message: `${spec.name}: ifupdown2 takes MTUs from ${MTU_RANGE.min} to ${MTU_RANGE.max}, not ${mtu}` });
    if (spec.kind === 'bond' && spec.miimon !== undefined && spec.miimon > MIIMON_MAX) errors.push({ path: `${path}.miimon`, message: `${spec.name}: ifupdown2 takes bond-miimon up to ${MIIMON_MAX} ms, not ${spec.miimon}` });
    if (spec.kind === 'bond' && spec.xmitHashPolicy && !XMIT_HASH_POLICIES.includes(spec.xmitHashPolicy)) errors.push({ path: `${path}.xmitHashPolicy`, message: `${spec.name}: ifupdown2 takes bond-xmit-hash-policy ${XMIT_HASH_POLICIES.join(', ')}, not ${spec.xmitHashPolicy}` });
    // `ifup -s` refuses an mtu on a bridge ("bridge inherits mtu from its ports"), so a port-less one cannot have one.
    if (spec.kind === 'bridge' && !spec.ports.length && spec.mtu !== undefined) errors.push({ path: `${path}.mtu`, message: `${spec.name} has no ports, and ifupdown2 gives a bridge the MTU of its ports only: add a port or drop the MTU` });
  });
  // ifupdown2's default multiple_vlan_aware_bridge_support=0 ignores every VLAN-aware bridge after the first.
  const vlanAware = host.interfaces.filter((spec) => spec.kind === 'bridge' && spec.vlanAware);
  if (vlanAware.length > 1) errors.push({ path: 'interfaces', message: `${vlanAware.map((spec) => spec.name).join(', ')} are all VLAN-aware, and ifupdown2 brings up one VLAN-aware bridge a host: carry the VLANs on one bridge's vids` });
  return errors;
}

const IFUPDOWN2: Dialect = {
  format: 'ifupdown2',
  refusals,
  hwaddress: (mac) => ['hwaddress', mac],
  carriesMtu: (spec) => spec.kind !== 'bridge',
  vlan: (spec) => [['vlan-raw-device', spec.parent], ['vlan-id', spec.vlan]],
  bridge: (spec) => [
    // `bridge-ports none` fails ifupdown2's syntax check; bridge-vlan-aware alone marks a port-less bridge.
    ...(spec.ports.length ? [['bridge-ports', spec.ports.join(' ')] as Option] : []),
    ['bridge-stp', spec.stp ? 'on' : 'off'],
    ...(spec.forwardDelay !== undefined ? [['bridge-fd', spec.forwardDelay] as Option] : []),
    ['bridge-vlan-aware', spec.vlanAware ? 'yes' : 'no'],
    ...(spec.vlanAware && spec.vids?.length ? [['bridge-vids', vlanRangeTexts(spec.vids).join(' ')] as Option] : []),
  ],
  addressStanzas: (addresses) => [{ addresses, options: addresses.map((address): Option => ['address', `${address.ip}/${address.prefixLength}`]) }],
  // ifupdown2 has no resolver attributes of its own (`ifup -s` calls dns-nameservers unsupported); Proxmox keeps /etc/resolv.conf apart.
  dns: () => [],
};

export function renderIfupdown2(host: RenderInput): RenderedFile[] {
  return renderInterfacesFile(host, IFUPDOWN2);
}
