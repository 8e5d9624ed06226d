/**
 * Hand-built vCenter snapshots (src/connectors/snapshot.ts) for tests that need synced hosts, with
 * their switch→wire mappings and sync_ips, written the real way: through reconcileVsphere.
 *
 *   await reconcileVsphere(context, 'vc1', snapshot([esxHost('esx01', 'host-10', {...})], [vm(...)]));
 */
import type { Snapshot, SnapshotHost, SnapshotVm, SnapshotVmk } from '../../src/connectors/snapshot.ts';

/** The vCenter every snapshot here comes from. */
export const INSTANCE_UUID = '6d2a41f8-5b1e-4c0e-9a3f-00000000a0d1';

export interface HostLayout {
  cluster?: string | null;
  /** Uplinks of vSwitch0, the host's one standard switch (default vmnic0). */
  uplinks?: string[];
  /** Port groups of vSwitch0: name and VLAN. */
  portgroups: [string, number][];
  /** vmks with `ip` as ADDRESS/PREFIX. */
  vmks: { name: string; portgroup: string; ip: string; services: string[] }[];
  gateway?: string;
}

const netmask = (prefix: number) => [24, 16, 8, 0].map((shift) => ((0xffffffff << (32 - prefix)) >>> shift) & 0xff).join('.');

/** An ESXi host with one standard vSwitch0 carrying the given port groups and vmks. */
export function esxHost(name: string, moref: string, layout: HostLayout): SnapshotHost {
  const uplinks = layout.uplinks ?? ['vmnic0'];
  return {
    moref,
    name,
    hardwareUuid: null,
    cluster: layout.cluster === undefined ? 'prod' : layout.cluster,
    connectionState: 'connected',
    pnics: uplinks.map((nic) => ({ name: nic, mac: null, speedMb: 10000, driver: 'ixgben' })),
    vswitches: [{ name: 'vSwitch0', uplinks, mtu: 1500, ports: 128, teaming: null }],
    portgroups: layout.portgroups.map(([portgroup, vlan]) => ({ name: portgroup, vswitch: 'vSwitch0', vlan, teaming: null })),
    vmks: layout.vmks.map((vmk): SnapshotVmk => {
      const [ip, prefix] = vmk.ip.split('/');
      return { name: vmk.name, attachment: { kind: 'portgroup', portgroup: vmk.portgroup }, ip: ip!, netmask: netmask(Number(prefix)), mac: null, mtu: 1500, services: vmk.services };
    }),
    gateway: layout.gateway ?? null,
    dvsMembership: [],
  };
}

/** A powered-on VM with tools running and one NIC on a standard port group. */
export function vm(name: string, serial: number, hostMoref: string, nic: { mac: string; portgroup: string; ips: string[] }): SnapshotVm {
  const suffix = String(serial).padStart(12, '0');
  return {
    moref: `vm-${serial}`,
    name,
    uuid: `4210a1b2-0c3d-4e5f-8a9b-${suffix}`,
    instanceUuid: `5010a1b2-0c3d-4e5f-8a9b-${suffix}`,
    hostMoref,
    powerState: 'poweredOn',
    toolsRunning: true,
    nics: [{ mac: nic.mac, backing: { kind: 'portgroup', portgroup: nic.portgroup }, connected: true, ips: nic.ips }],
  };
}

/** A complete snapshot of INSTANCE_UUID. */
export function snapshot(hosts: SnapshotHost[], vms: SnapshotVm[] = []): Snapshot {
  return {
    source: { kind: 'vsphere', instanceUuid: INSTANCE_UUID, url: 'https://vc1.example.net/sdk', fullName: 'VMware vCenter Server 7.0.3' },
    takenAt: '2024-05-01T10:00:00.000Z',
    complete: true,
    gaps: [],
    hosts,
    dvSwitches: [],
    vms,
  };
}
