/**
 * What VM network provisioning sends to and reads from vCenter: the ReconfigVM_Task specs that add
 * (or take back) a VirtualVmxnet3, the CustomizeVM_Task spec that gives it a fixed IP, and the
 * live reads a provisioning decision needs (the VM's devices and power state, the port groups its
 * host can reach). Builders only build: no I/O, elements in WSDL order, and an xsi:type on every
 * element whose declared type is a base type (deviceChange, device, backing, identity, hostName, ip).
 */
import type { VimClient } from './client.ts';
import { arrayItems, asArray, bool, child, int, moref, text, typeOf, el, xml, type MoRef, type Node, type Xml } from './soap.ts';

// ---------------------------------------------------------------------------------------------
// Builders.

/** Where a vNIC plugs in: a standard port group (a Network) or a distributed port group. */
export type NicBacking = { kind: 'standard'; portgroup: string; network: MoRef } | { kind: 'distributed'; switchUuid: string; portgroupKey: string };

function backingXml(backing: NicBacking): Xml {
  if (backing.kind === 'standard') {
    // VirtualDeviceDeviceBackingInfo.deviceName comes before VirtualEthernetCardNetworkBackingInfo.network.
    return el('backing', xml(el('deviceName', backing.portgroup), el('network', backing.network)), 'VirtualEthernetCardNetworkBackingInfo');
  }
  return el('backing', el('port', xml(el('switchUuid', backing.switchUuid), el('portgroupKey', backing.portgroupKey))), 'VirtualEthernetCardDistributedVirtualPortBackingInfo');
}

/**
 * The `spec` of ReconfigVM_Task adding one VirtualVmxnet3 with a manual MAC, connected now and at
 * power-on. The key is negative: a placeholder vCenter replaces with the device's real key.
 */
export function addVmxnet3Spec(input: { mac: string; backing: NicBacking; key?: number }): Xml {
  const device = el(
    'device',
    xml(
      el('key', input.key ?? -1),
      backingXml(input.backing),
      el('connectable', xml(el('startConnected', true), el('allowGuestControl', true), el('connected', true))),
      el('addressType', 'manual'),
      el('macAddress', input.mac),
    ),
    'VirtualVmxnet3',
  );
  return el('spec', el('deviceChange', xml(el('operation', 'add'), device), 'VirtualDeviceConfigSpec'));
}

/** The `spec` of ReconfigVM_Task removing the vNIC with this device key (the undo of addVmxnet3Spec). */
export function removeNicSpec(input: { key: number; mac: string; backing?: NicBacking; deviceType?: string }): Xml {
  const device = el('device', xml(el('key', input.key), input.backing ? backingXml(input.backing) : xml(), el('addressType', 'manual'), el('macAddress', input.mac)), input.deviceType ?? 'VirtualVmxnet3');
  return el('spec', el('deviceChange', xml(el('operation', 'remove'), device), 'VirtualDeviceConfigSpec'));
}

/** One NIC of a customization: a fixed IPv4 address with its mask, gateway and DNS, or DHCP. */
export type AdapterSetting = { mac: string; ip: string; subnetMask: string; gateways: string[]; dnsServers: string[]; dnsDomain?: string | null } | { mac: string; dhcp: true };

export interface CustomizationInput {
  /** A valid host name label (see hostLabel). */
  hostName: string;
  domain: string;
  dnsServers: string[];
  dnsSuffixes: string[];
  /** Every NIC of the VM, in the VM's device order: vCenter maps settings to NICs by position. */
  adapters: AdapterSetting[];
}

/**
 * The `spec` of CustomizeVM_Task: CustomizationLinuxPrep with a fixed host name and domain, global
 * DNS, and one CustomizationAdapterMapping per NIC.
 */
export function customizationSpec(input: CustomizationInput): Xml {
  const identity = el('identity', xml(el('hostName', el('name', input.hostName), 'CustomizationFixedName'), el('domain', input.domain)), 'CustomizationLinuxPrep');
  const global = el('globalIPSettings', xml(el('dnsSuffixList', input.dnsSuffixes), el('dnsServerList', input.dnsServers)));
  const mappings = input.adapters.map((adapter) => {
    const settings =
      'dhcp' in adapter
        ? el('ip', xml(), 'CustomizationDhcpIpGenerator')
        : xml(
            el('ip', el('ipAddress', adapter.ip), 'CustomizationFixedIp'),
            el('subnetMask', adapter.subnetMask),
            el('gateway', adapter.gateways),
            el('dnsServerList', adapter.dnsServers),
            el('dnsDomain', adapter.dnsDomain ?? undefined),
          );
    return el('nicSettingMap', xml(el('macAddress', adapter.mac), el('adapter', settings)));
  });
  return el('spec', xml(identity, global, ...mappings));
}

/** A host name label from a VM name: letters, digits and hyphens, at most 63, never empty. */
export function hostLabel(name: string): string {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label || 'vm';
}

// ---------------------------------------------------------------------------------------------
// Live reads.

export interface LiveNic {
  key: number;
  /** The device's xsi:type, e.g. VirtualVmxnet3. */
  type: string;
  mac: string;
  backing: { kind: 'standard'; portgroup: string; network: string | null } | { kind: 'distributed'; switchUuid: string; portgroupKey: string } | { kind: 'other'; type: string };
  connected: boolean | null;
  startConnected: boolean | null;
  addressType: string | null;
}

export interface LiveVm {
  moref: string;
  name: string;
  instanceUuid: string | null;
  hostMoref: string | null;
  powerState: string;
  template: boolean;
  /** Ethernet cards in device order. */
  nics: LiveNic[];
}

export function readNics(devices: Node | undefined): LiveNic[] {
  return arrayItems(devices)
    .filter((device) => child(device, 'macAddress') !== undefined)
    .map((device) => {
      const backing = child(device, 'backing');
      const port = child(backing, 'port');
      const connectable = child(device, 'connectable');
      let resolved: LiveNic['backing'];
      if (port) resolved = { kind: 'distributed', switchUuid: text(child(port, 'switchUuid')) ?? '', portgroupKey: text(child(port, 'portgroupKey')) ?? '' };
      else if (child(backing, 'deviceName') !== undefined || child(backing, 'network') !== undefined) resolved = { kind: 'standard', portgroup: text(child(backing, 'deviceName')) ?? '', network: text(child(backing, 'network')) ?? null };
      else resolved = { kind: 'other', type: typeOf(backing) ?? 'unknown' };
      return {
        key: int(child(device, 'key')) ?? 0,
        type: typeOf(device) ?? 'VirtualEthernetCard',
        mac: (text(child(device, 'macAddress')) ?? '').toLowerCase(),
        backing: resolved,
        connected: bool(child(connectable, 'connected')) ?? null,
        startConnected: bool(child(connectable, 'startConnected')) ?? null,
        addressType: text(child(device, 'addressType')) ?? null,
      };
    });
}

/** The VM as vCenter has it now; ManagedObjectNotFound when it is gone. */
export async function readLiveVm(client: VimClient, vmMoref: string): Promise<LiveVm> {
  const [object] = await client.retrieveProperties({ type: 'VirtualMachine', value: vmMoref }, [
    { type: 'VirtualMachine', paths: ['name', 'config.instanceUuid', 'runtime.host', 'runtime.powerState', 'config.template', 'config.hardware.device'] },
  ]);
  const props = object?.props ?? new Map<string, Node>();
  return {
    moref: vmMoref,
    name: text(props.get('name')) ?? vmMoref,
    instanceUuid: text(props.get('config.instanceUuid'))?.toLowerCase() ?? null,
    hostMoref: text(props.get('runtime.host')) ?? null,
    powerState: text(props.get('runtime.powerState')) ?? 'unknown',
    template: bool(props.get('config.template')) ?? false,
    nics: readNics(props.get('config.hardware.device')),
  };
}

/** A VLAN setting as vCenter states it: one VLAN (0 = untagged), trunk ranges, or a private VLAN. */
export type LiveVlan = { kind: 'vlan'; vlan: number } | { kind: 'trunk'; ranges: { first: number; last: number }[] } | { kind: 'pvlan'; pvlan: number };

export interface LivePortgroup {
  kind: 'standard' | 'distributed';
  name: string;
  vlan: LiveVlan;
  /** Standard: the vSwitch name and the Network of that name. */
  vswitch?: string;
  network?: MoRef;
  /** Distributed: the switch and the port group key. */
  dvsUuid?: string;
  dvsName?: string;
  portgroupKey?: string;
}

export interface LiveHost {
  moref: string;
  name: string;
  portgroups: LivePortgroup[];
}

function dvVlan(node: Node | undefined): LiveVlan {
  const type = typeOf(node) ?? '';
  if (type.includes('Trunk')) return { kind: 'trunk', ranges: asArray(child(node, 'vlanId')).map((range) => ({ first: int(child(range, 'start')) ?? 0, last: int(child(range, 'end')) ?? 0 })) };
  if (type.includes('Pvlan')) return { kind: 'pvlan', pvlan: int(child(node, 'pvlanId')) ?? 0 };
  return { kind: 'vlan', vlan: int(child(node, 'vlanId')) ?? 0 };
}

/**
 * The port groups a host can attach a vNIC to: its standard port groups (with the Network of each
 * name) and the distributed port groups in its `network` list, uplink port groups left out.
 */
export async function readLiveHost(client: VimClient, hostMoref: string): Promise<LiveHost> {
  const [object] = await client.retrieveProperties({ type: 'HostSystem', value: hostMoref }, [{ type: 'HostSystem', paths: ['name', 'network', 'config.network.portgroup'] }]);
  const props = object?.props ?? new Map<string, Node>();
  const refs = arrayItems(props.get('network'))
    .map(moref)
    .filter((ref): ref is MoRef => ref !== undefined);
  const one = async (ref: MoRef, paths: string[]) => (await client.retrieveProperties(ref, [{ type: ref.type === 'VmwareDistributedVirtualSwitch' ? 'DistributedVirtualSwitch' : ref.type, paths }]))[0]?.props ?? new Map<string, Node>();
  const networks = await Promise.all(refs.filter((ref) => ref.type === 'Network').map(async (ref) => ({ ref, name: text((await one(ref, ['name'])).get('name')) ?? '' })));
  const networkByName = new Map(networks.map((network) => [network.name, network.ref]));

  const portgroups: LivePortgroup[] = arrayItems(props.get('config.network.portgroup')).map((portgroup) => {
    const spec = child(portgroup, 'spec');
    const name = text(child(spec, 'name')) ?? '';
    const vlan = int(child(spec, 'vlanId')) ?? 0;
    return {
      kind: 'standard' as const,
      name,
      // VLAN 4095 on a standard port group is virtual guest tagging: every VLAN, tagged.
      vlan: vlan === 4095 ? { kind: 'trunk' as const, ranges: [{ first: 0, last: 4094 }] } : { kind: 'vlan' as const, vlan },
      vswitch: text(child(spec, 'vswitchName')) ?? '',
      network: networkByName.get(name),
    };
  });

  const dvpgs = await Promise.all(
    refs.filter((ref) => ref.type === 'DistributedVirtualPortgroup').map(async (ref) => ({ ref, props: await one(ref, ['name', 'key', 'config.distributedVirtualSwitch', 'config.defaultPortConfig', 'config.uplink']) })),
  );
  const switches = new Map<string, { uuid: string; name: string }>();
  for (const dvpg of dvpgs) {
    if (bool(dvpg.props.get('config.uplink'))) continue;
    const dvs = moref(dvpg.props.get('config.distributedVirtualSwitch'));
    if (!dvs || switches.has(dvs.value)) continue;
    const dvsProps = await one(dvs, ['uuid', 'name']);
    switches.set(dvs.value, { uuid: text(dvsProps.get('uuid')) ?? '', name: text(dvsProps.get('name')) ?? dvs.value });
  }
  for (const dvpg of dvpgs) {
    if (bool(dvpg.props.get('config.uplink'))) continue;
    const dvs = switches.get(text(dvpg.props.get('config.distributedVirtualSwitch')) ?? '');
    if (!dvs) continue;
    portgroups.push({
      kind: 'distributed',
      name: text(dvpg.props.get('name')) ?? dvpg.ref.value,
      vlan: dvVlan(child(dvpg.props.get('config.defaultPortConfig'), 'vlan')),
      dvsUuid: dvs.uuid,
      dvsName: dvs.name,
      portgroupKey: text(dvpg.props.get('key')) ?? dvpg.ref.value,
    });
  }
  return { moref: hostMoref, name: text(props.get('name')) ?? hostMoref, portgroups };
}
