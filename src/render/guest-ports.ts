/**
 * Where each guest vNIC of a KVM / Xen host plugs in, shared by the libvirt domain interfaces and
 * the Xen `vif` lines: the bridge, whether it is an Open vSwitch bridge, and the VLAN tags of the
 * port group it sits on. Only Open vSwitch tags a guest port for libvirt and Xen (a Linux bridge
 * cannot), so a tagged port group on a Linux bridge is refused rather than silently left untagged.
 */
import { HostwireError } from '../domain/errors.ts';
import type { InterfaceSpec } from '../domain/interfaces.ts';
import type { RenderInput } from './files.ts';

type BridgeSpec = Extract<InterfaceSpec, { kind: 'bridge' }>;
type PortgroupSpec = Extract<InterfaceSpec, { kind: 'portgroup' }>;

/** The VLAN a guest port carries: one access tag, or a trunk of tags. */
export interface PortVlan {
  tags: number[];
  trunk: boolean;
}

export interface GuestPort {
  mac: string;
  bridge: string;
  ovs: boolean;
  vlan: PortVlan | null;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/**
 * A port group's VLAN as the guest port carries it: none for VLAN 0 (untagged), one tag for
 * 1-4094, and for 4095 (trunk) its listed ranges, or no tag at all, which on Open vSwitch trunks
 * every VLAN. Refused on a Linux bridge when it would need a tag.
 */
export function portgroupVlan(portgroup: PortgroupSpec, bridge: BridgeSpec): PortVlan | null {
  const vlan: PortVlan | null =
    portgroup.vlan === 0
      ? null
      : portgroup.vlan < 4095
        ? { tags: [portgroup.vlan], trunk: false }
        : portgroup.trunk?.length
          ? { tags: portgroup.trunk.flatMap((range) => Array.from({ length: range.last - range.first + 1 }, (_, offset) => range.first + offset)), trunk: true }
          : null;
  if (vlan && bridge.flavor !== 'ovs') {
    const message = `port group ${portgroup.name} has VLAN ${portgroup.vlan} on Linux bridge ${bridge.name}, but libvirt and Xen tag guest ports only on Open vSwitch bridges; make ${bridge.name} an ovs bridge, or attach guests to a per-VLAN bridge`;
    throw new HostwireError('validation', message, [{ path: `interfaces.${portgroup.name}.vlan`, message }]);
  }
  return vlan;
}

/** Every guest's vNICs resolved to their ports, in the order the host lists them. */
export function guestPorts(host: RenderInput): { vm: string; ports: GuestPort[] }[] {
  const byName = new Map(host.interfaces.map((spec) => [spec.name, spec]));
  const bridges = host.interfaces.filter((spec) => spec.kind === 'bridge' || (spec.kind === 'portgroup' && byName.get(spec.switch)?.kind === 'bridge')).map((spec) => spec.name);
  return (host.vms ?? []).map((vm) => ({
    vm: vm.name,
    ports: vm.nics.map((nic): GuestPort => {
      const fail = (problem: string) => {
        const path = `vms.${vm.name}.nics.${nic.mac}`;
        const message = `VM ${vm.name}: vNIC ${nic.mac} ${problem}`;
        return new HostwireError('validation', message, [{ path, message }]);
      };
      if (!MAC.test(nic.mac)) throw fail('has no valid MAC address; use six hex pairs such as 00:16:3e:20:00:10');
      const choices = `use one of: ${bridges.join(', ') || `none (declare a bridge on ${host.name} first)`}`;
      if (!nic.attachment) throw fail(`is attached to nothing; attach it to a bridge or port group of ${host.name} (${choices})`);
      const mac = nic.mac.toLowerCase();
      const target = byName.get(nic.attachment);
      if (target?.kind === 'bridge') return { mac, bridge: target.name, ovs: target.flavor === 'ovs', vlan: null };
      const bridge = target?.kind === 'portgroup' ? byName.get(target.switch) : undefined;
      if (target?.kind !== 'portgroup' || bridge?.kind !== 'bridge') throw fail(`is attached to '${nic.attachment}', which is not a bridge or a bridge's port group on ${host.name}; ${choices}`);
      return { mac, bridge: bridge.name, ovs: bridge.flavor === 'ovs', vlan: portgroupVlan(target, bridge) };
    }),
  }));
}

/** A VM name made safe as one path segment (vCenter names may hold spaces and slashes). */
export function guestFileName(vm: string): string {
  const safe = vm.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe.startsWith('.') ? `_${safe}` : safe;
}
