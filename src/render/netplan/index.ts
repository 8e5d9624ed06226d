/**
 * netplan v2 YAML (networkd renderer). Rules learned the hard way by MAAS and cloud-init users:
 * bridges get an explicit `stp` (netplan defaults it to true, which stalls ports for 30 s), bond
 * options go only with the modes that use them, and the MTU is set on every layer of a stack.
 */
import { stringify } from 'yaml';
import { BOND_OPTION_MODES, stackMtus, type InterfaceSpec } from '../../domain/interfaces.ts';
import { addressesByInterface, refuseVlanAwareBridges, type RenderedFile, type RenderInput } from '../files.ts';

type Section = Record<string, Record<string, unknown>>;


function bondParameters(spec: Extract<InterfaceSpec, { kind: 'bond' }>): Record<string, unknown> {
  return {
    mode: spec.mode,
    ...(spec.miimon !== undefined ? { 'mii-monitor-interval': spec.miimon } : {}),
    // lacp-rate means something only to 802.3ad; elsewhere it is dropped, as MAAS does.
    ...(spec.lacpRate && BOND_OPTION_MODES.lacpRate.includes(spec.mode) ? { 'lacp-rate': spec.lacpRate } : {}),
    ...(spec.xmitHashPolicy && BOND_OPTION_MODES.xmitHashPolicy.includes(spec.mode) ? { 'transmit-hash-policy': spec.xmitHashPolicy } : {}),
    ...(spec.primary && BOND_OPTION_MODES.primary.includes(spec.mode) ? { primary: spec.primary } : {}),
  };
}

export function renderNetplan(host: RenderInput): RenderedFile[] {
  refuseVlanAwareBridges(host, 'netplan');
  const mtus = stackMtus(host.interfaces);
  const addresses = addressesByInterface(host.interfaces);
  const sections: Record<'ethernets' | 'bonds' | 'vlans' | 'bridges', Section> = { ethernets: {}, bonds: {}, vlans: {}, bridges: {} };
  const common = (name: string) => ({
    ...(mtus.has(name) ? { mtu: mtus.get(name) } : {}),
    ...(addresses.has(name) ? { addresses: addresses.get(name) } : {}),
  });
  for (const spec of host.interfaces) {
    switch (spec.kind) {
      case 'physical':
        sections.ethernets[spec.name] = { ...(spec.mac ? { match: { macaddress: spec.mac }, 'set-name': spec.name } : {}), ...common(spec.name) };
        break;
      case 'bond':
        sections.bonds[spec.name] = { interfaces: spec.members, parameters: bondParameters(spec), ...common(spec.name) };
        break;
      case 'vlan':
        sections.vlans[spec.name] = { id: spec.vlan, link: spec.parent, ...common(spec.name) };
        break;
      case 'bridge':
        sections.bridges[spec.name] = {
          interfaces: spec.ports,
          parameters: { stp: spec.stp ?? false, ...(spec.forwardDelay !== undefined ? { 'forward-delay': spec.forwardDelay } : {}) },
          ...(spec.flavor === 'ovs' ? { openvswitch: {} } : {}),
          ...common(spec.name),
        };
        break;
      default:
        // vmks lend their addresses to their bridge; ESXi kinds have no netplan form.
        break;
    }
  }
  const network: Record<string, unknown> = { version: 2, renderer: 'networkd' };
  for (const [key, section] of Object.entries(sections)) if (Object.keys(section).length) network[key] = section;
  // Quoted strings: an all-digit MAC such as 00:50:56:01:51:00 is a base-60 number to YAML 1.1.
  const content = `# Rendered by hostwire for ${host.name}; edit the declaration, not this file.\n${stringify({ network }, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' })}`;
  return [{ path: 'etc/netplan/60-hostwire.yaml', content, mode: 0o600 }];
}
