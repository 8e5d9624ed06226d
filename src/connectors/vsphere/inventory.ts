/**
 * Reads a vCenter's network estate into a Snapshot: one container view and one paged
 * RetrievePropertiesEx per object type, for exactly the properties reconciliation needs.
 */
import type { TeamingPolicy } from '../../domain/interfaces.ts';
import type { Snapshot, SnapshotDvs, SnapshotHost, SnapshotVm, VlanConfig, VnicBacking } from '../snapshot.ts';
import type { ObjectContent, VimClient } from './client.ts';
import { arrayItems, asArray, bool, child, int, moref, text, typeOf, type Node } from './soap.ts';

const HOST_PATHS = ['name', 'parent', 'hardware.systemInfo.uuid', 'runtime.connectionState', 'config.network', 'config.virtualNicManagerInfo.netConfig'];
const VM_PATHS = ['name', 'config.uuid', 'config.instanceUuid', 'runtime.host', 'runtime.powerState', 'guest.toolsRunningStatus', 'config.hardware.device', 'guest.net'];
// A real vCenter types distributed switches VmwareDistributedVirtualSwitch; the simulator says DistributedVirtualSwitch.
const DVS_TYPES = ['VmwareDistributedVirtualSwitch', 'DistributedVirtualSwitch'];
const DVS_PATHS = ['name', 'uuid', 'config.maxMtu'];
const DVPG_PATHS = ['name', 'key', 'config.distributedVirtualSwitch', 'config.defaultPortConfig', 'config.uplink'];
const PAGE_SIZE = 500;

/** vim25 nicType -> hostwire service name. */
const SERVICES: Record<string, string> = {
  management: 'management',
  vmotion: 'vmotion',
  vSAN: 'vsan',
  faultToleranceLogging: 'ft',
  vSphereProvisioning: 'provisioning',
  vSphereReplication: 'replication',
};

const LOAD_BALANCING: Record<string, NonNullable<TeamingPolicy['loadBalancing']>> = {
  loadbalance_srcid: 'srcid',
  loadbalance_srcmac: 'srcmac',
  loadbalance_ip: 'iphash',
  failover_explicit: 'explicit',
};

const strings = (node: Node | undefined) => asArray(node).map((item) => text(item)).filter((item): item is string => item !== undefined);
const pnicName = (key: string) => key.replace(/^key-vim\.host\.PhysicalNic-/, '');

/** vim25 HostNicTeamingPolicy (vSwitch or port group override) as a hostwire teaming policy. */
function standardTeaming(node: Node | undefined, uplinks: string[]): TeamingPolicy | null {
  if (!node) return null;
  const policy: TeamingPolicy = {};
  const balancing = text(child(node, 'policy'));
  if (balancing && LOAD_BALANCING[balancing]) policy.loadBalancing = LOAD_BALANCING[balancing];
  const notify = bool(child(node, 'notifySwitches'));
  if (notify !== undefined) policy.notifySwitches = notify;
  const rolling = bool(child(node, 'rollingOrder'));
  // rollingOrder = true means "do not fail back".
  if (rolling !== undefined) policy.failback = !rolling;
  const beacon = bool(child(child(node, 'failureCriteria'), 'checkBeacon'));
  if (beacon !== undefined) policy.failureDetection = beacon ? { mode: 'beacon', intervalSeconds: 1, threshold: 3 } : { mode: 'link' };
  const order = child(node, 'nicOrder');
  if (order) {
    policy.active = strings(child(order, 'activeNic'));
    policy.standby = strings(child(order, 'standbyNic'));
    const listed = new Set([...policy.active, ...policy.standby]);
    policy.unused = uplinks.filter((uplink) => !listed.has(uplink));
  }
  return Object.keys(policy).length ? policy : null;
}

/** vim25 VmwareUplinkPortTeamingPolicy (DVS), whose fields are wrapped in XxxPolicy { value }. */
function dvsTeaming(node: Node | undefined): TeamingPolicy | null {
  if (!node) return null;
  const value = (name: string) => child(child(node, name), 'value');
  const policy: TeamingPolicy = {};
  const balancing = text(value('policy'));
  if (balancing && LOAD_BALANCING[balancing]) policy.loadBalancing = LOAD_BALANCING[balancing];
  const notify = bool(value('notifySwitches'));
  if (notify !== undefined) policy.notifySwitches = notify;
  const rolling = bool(value('rollingOrder'));
  if (rolling !== undefined) policy.failback = !rolling;
  const beacon = bool(child(child(child(node, 'failureCriteria'), 'checkBeacon'), 'value'));
  if (beacon !== undefined) policy.failureDetection = beacon ? { mode: 'beacon', intervalSeconds: 1, threshold: 3 } : { mode: 'link' };
  const order = child(node, 'uplinkPortOrder');
  if (order) {
    policy.active = strings(child(order, 'activeUplinkPort'));
    policy.standby = strings(child(order, 'standbyUplinkPort'));
  }
  return Object.keys(policy).length ? policy : null;
}

function vlanConfig(node: Node | undefined): VlanConfig {
  const type = typeOf(node) ?? '';
  if (type.includes('Trunk')) {
    return { kind: 'trunk', ranges: asArray(child(node, 'vlanId')).map((range) => ({ first: int(child(range, 'start')) ?? 0, last: int(child(range, 'end')) ?? 0 })) };
  }
  if (type.includes('Pvlan')) return { kind: 'pvlan', pvlan: int(child(node, 'pvlanId')) ?? 0 };
  return { kind: 'vlan', vlan: int(child(node, 'vlanId')) ?? 0 };
}

function readHost(object: ObjectContent, clusters: Map<string, string>): SnapshotHost {
  const network = object.props.get('config.network');
  const pnics = asArray(child(network, 'pnic')).map((pnic) => ({
    name: text(child(pnic, 'device')) ?? '',
    mac: text(child(pnic, 'mac'))?.toLowerCase() ?? null,
    speedMb: int(child(child(pnic, 'linkSpeed'), 'speedMb')) ?? null,
    driver: text(child(pnic, 'driver')) ?? null,
  }));
  const vswitches = asArray(child(network, 'vswitch')).map((vswitch) => {
    const spec = child(vswitch, 'spec');
    const uplinks = strings(child(child(spec, 'bridge'), 'nicDevice'));
    const fromKeys = strings(child(vswitch, 'pnic')).map(pnicName);
    const all = uplinks.length ? uplinks : fromKeys;
    return {
      name: text(child(vswitch, 'name')) ?? '',
      uplinks: all,
      mtu: int(child(vswitch, 'mtu')) ?? int(child(spec, 'mtu')) ?? null,
      ports: int(child(vswitch, 'numPorts')) ?? null,
      teaming: standardTeaming(child(child(spec, 'policy'), 'nicTeaming'), all),
    };
  });
  const uplinksOf = new Map(vswitches.map((vswitch) => [vswitch.name, vswitch.uplinks]));
  const portgroups = asArray(child(network, 'portgroup')).map((portgroup) => {
    const spec = child(portgroup, 'spec');
    const vswitch = text(child(spec, 'vswitchName')) ?? '';
    return {
      name: text(child(spec, 'name')) ?? '',
      vswitch,
      vlan: int(child(spec, 'vlanId')) ?? 0,
      teaming: standardTeaming(child(child(spec, 'policy'), 'nicTeaming'), uplinksOf.get(vswitch) ?? []),
    };
  });
  const services = new Map<string, string[]>();
  for (const config of arrayItems(object.props.get('config.virtualNicManagerInfo.netConfig'))) {
    const service = SERVICES[text(child(config, 'nicType')) ?? ''];
    if (!service) continue;
    const candidates = new Map(asArray(child(config, 'candidateVnic')).map((vnic) => [text(child(vnic, 'key')) ?? '', text(child(vnic, 'device')) ?? '']));
    for (const selected of strings(child(config, 'selectedVnic'))) {
      // Selected keys look like "vmotion.key-vim.host.VirtualNic-vmk1".
      const key = selected.slice(selected.indexOf('.') + 1);
      const device = candidates.get(key) ?? key.replace(/^key-vim\.host\.VirtualNic-/, '');
      services.set(device, [...(services.get(device) ?? []), service]);
    }
  }
  const vmks = asArray(child(network, 'vnic')).map((vnic) => {
    const spec = child(vnic, 'spec');
    const device = text(child(vnic, 'device')) ?? '';
    const dvPort = child(spec, 'distributedVirtualPort');
    const ip = child(spec, 'ip');
    return {
      name: device,
      attachment: dvPort
        ? { kind: 'dvportgroup' as const, dvsUuid: text(child(dvPort, 'switchUuid')) ?? '', portgroupKey: text(child(dvPort, 'portgroupKey')) ?? '' }
        : { kind: 'portgroup' as const, portgroup: text(child(vnic, 'portgroup')) || text(child(spec, 'portgroup')) || '' },
      ip: text(child(ip, 'ipAddress')) || null,
      netmask: text(child(ip, 'subnetMask')) || null,
      mac: text(child(spec, 'mac'))?.toLowerCase() ?? null,
      mtu: int(child(spec, 'mtu')) ?? null,
      services: services.get(device) ?? [],
    };
  });
  const dvsMembership = asArray(child(network, 'proxySwitch')).map((proxy) => ({
    dvsUuid: text(child(proxy, 'dvsUuid')) ?? '',
    dvsName: text(child(proxy, 'dvsName')) ?? '',
    uplinks: asArray(child(child(child(proxy, 'spec'), 'backing'), 'pnicSpec')).map((spec) => text(child(spec, 'pnicDevice')) ?? '').filter(Boolean),
  }));
  const parent = moref(object.props.get('parent'));
  return {
    moref: object.obj.value,
    name: text(object.props.get('name')) ?? object.obj.value,
    hardwareUuid: text(object.props.get('hardware.systemInfo.uuid'))?.toLowerCase() ?? null,
    cluster: parent && parent.type === 'ClusterComputeResource' ? (clusters.get(parent.value) ?? null) : null,
    connectionState: text(object.props.get('runtime.connectionState')) ?? 'unknown',
    pnics,
    vswitches,
    portgroups,
    vmks,
    gateway: text(child(child(network, 'ipRouteConfig'), 'defaultGateway')) || null,
    dvsMembership,
  };
}

function readVm(object: ObjectContent, networkNames: Map<string, string>): SnapshotVm {
  const guestNics = arrayItems(object.props.get('guest.net'));
  const ipsByMac = new Map<string, string[]>();
  for (const nic of guestNics) {
    const mac = text(child(nic, 'macAddress'))?.toLowerCase();
    if (mac) ipsByMac.set(mac, [...(ipsByMac.get(mac) ?? []), ...strings(child(nic, 'ipAddress'))]);
  }
  const nics = arrayItems(object.props.get('config.hardware.device'))
    .filter((device) => child(device, 'macAddress') !== undefined)
    .map((device) => {
      const mac = text(child(device, 'macAddress'))!.toLowerCase();
      const backing = child(device, 'backing');
      const port = child(backing, 'port');
      let resolved: VnicBacking;
      if (port) resolved = { kind: 'dvportgroup', dvsUuid: text(child(port, 'switchUuid')) ?? '', portgroupKey: text(child(port, 'portgroupKey')) ?? '' };
      else if (child(backing, 'deviceName') !== undefined || child(backing, 'network') !== undefined) {
        const network = moref(child(backing, 'network'));
        resolved = { kind: 'portgroup', portgroup: text(child(backing, 'deviceName')) || (network ? (networkNames.get(network.value) ?? network.value) : '') };
      } else resolved = { kind: 'other', description: typeOf(backing) ?? 'unknown backing' };
      return { mac, backing: resolved, connected: bool(child(child(device, 'connectable'), 'connected')) ?? true, ips: ipsByMac.get(mac) ?? [] };
    });
  return {
    moref: object.obj.value,
    name: text(object.props.get('name')) ?? object.obj.value,
    uuid: text(object.props.get('config.uuid'))?.toLowerCase() ?? null,
    instanceUuid: text(object.props.get('config.instanceUuid'))?.toLowerCase() ?? null,
    hostMoref: moref(object.props.get('runtime.host'))?.value ?? null,
    powerState: text(object.props.get('runtime.powerState')) ?? 'unknown',
    toolsRunning: text(object.props.get('guest.toolsRunningStatus')) === 'guestToolsRunning',
    nics,
  };
}

export interface ReadProgress {
  (step: string, done: number, total: number): void;
}

/** Reads everything a sync needs. Objects the server could not fully read make the snapshot partial. */
export async function readSnapshot(client: VimClient, progress: ReadProgress = () => undefined): Promise<Snapshot> {
  const content = client.serviceContent;
  const view = await client.createContainerView(content.rootFolder, ['ClusterComputeResource', 'HostSystem', 'VirtualMachine', 'Network', ...DVS_TYPES, 'DistributedVirtualPortgroup']);
  const gaps: string[] = [];
  try {
    const steps = 5;
    progress('clusters', 0, steps);
    const clusters = new Map((await client.retrieveProperties(view, [{ type: 'ClusterComputeResource', paths: ['name'] }])).map((object) => [object.obj.value, text(object.props.get('name')) ?? object.obj.value]));
    progress('hosts', 1, steps);
    // Pages keep memory bounded: a whole estate's VM devices are tens of megabytes of XML.
    const hostObjects = await client.retrieveProperties(view, [{ type: 'HostSystem', paths: HOST_PATHS }], { pageSize: PAGE_SIZE });
    progress('distributed switches', 2, steps);
    const dvsObjects = await client.retrieveProperties(view, DVS_TYPES.map((type) => ({ type, paths: DVS_PATHS })));
    const dvpgObjects = await client.retrieveProperties(view, [{ type: 'DistributedVirtualPortgroup', paths: DVPG_PATHS }]);
    progress('networks', 3, steps);
    const networkNames = new Map((await client.retrieveProperties(view, [{ type: 'Network', paths: ['name'] }])).map((object) => [object.obj.value, text(object.props.get('name')) ?? '']));
    progress('virtual machines', 4, steps);
    const vmObjects = await client.retrieveProperties(view, [{ type: 'VirtualMachine', paths: VM_PATHS }], { pageSize: PAGE_SIZE });
    progress('done', 5, steps);

    for (const object of [...hostObjects, ...vmObjects]) {
      for (const [path, fault] of object.missing) gaps.push(`${object.obj.type} ${object.obj.value}: ${path} unreadable (${fault})`);
    }
    const dvSwitches: SnapshotDvs[] = dvsObjects.map((object) => ({
      moref: object.obj.value,
      uuid: text(object.props.get('uuid')) ?? '',
      name: text(object.props.get('name')) ?? object.obj.value,
      mtu: int(object.props.get('config.maxMtu')) ?? null,
      portgroups: [],
    }));
    const byMoref = new Map(dvSwitches.map((dvs) => [dvs.moref, dvs]));
    for (const object of dvpgObjects) {
      if (bool(object.props.get('config.uplink'))) continue;
      const dvs = byMoref.get(moref(object.props.get('config.distributedVirtualSwitch'))?.value ?? '');
      if (!dvs) continue;
      const portConfig = object.props.get('config.defaultPortConfig');
      dvs.portgroups.push({
        moref: object.obj.value,
        key: text(object.props.get('key')) ?? object.obj.value,
        name: text(object.props.get('name')) ?? object.obj.value,
        vlan: vlanConfig(child(portConfig, 'vlan')),
        teaming: dvsTeaming(child(portConfig, 'uplinkTeamingPolicy')),
      });
    }
    return {
      source: { kind: 'vsphere', instanceUuid: content.about.instanceUuid, url: '', fullName: content.about.fullName },
      takenAt: new Date().toISOString(),
      complete: gaps.length === 0,
      gaps,
      hosts: hostObjects.map((object) => readHost(object, clusters)),
      dvSwitches,
      vms: vmObjects.map((object) => readVm(object, networkNames)),
    };
  } finally {
    await client.destroyView(view).catch(() => undefined);
  }
}
