/**
 * A snapshot: a plain description of what one source saw at one time, the only thing connectors
 * hand to reconciliation. `complete` is false when any part could not be read; reconciliation
 * then adds and updates but never removes.
 */
import type { TeamingPolicy } from '../domain/interfaces.ts';

export interface SnapshotSource {
  kind: 'vsphere';
  /** The vCenter instance UUID: identity across account names. */
  instanceUuid: string;
  url: string;
  fullName: string;
}

export interface SnapshotPnic {
  name: string;
  mac: string | null;
  /** Null while the link is down: vCenter reports no link speed then. */
  speedMb: number | null;
  driver: string | null;
}

export interface SnapshotVswitch {
  name: string;
  uplinks: string[];
  mtu: number | null;
  ports: number | null;
  teaming: TeamingPolicy | null;
}

export interface SnapshotPortgroup {
  name: string;
  vswitch: string;
  /** 0-4094, 4095 = trunk (virtual guest tagging). */
  vlan: number;
  /** Only what the port group overrides. */
  teaming: TeamingPolicy | null;
}

export type VmkAttachment = { kind: 'portgroup'; portgroup: string } | { kind: 'dvportgroup'; dvsUuid: string; portgroupKey: string };

export interface SnapshotVmk {
  name: string;
  attachment: VmkAttachment;
  ip: string | null;
  netmask: string | null;
  mac: string | null;
  mtu: number | null;
  /** management, vmotion, vsan, ft, provisioning, replication. */
  services: string[];
}

export interface SnapshotDvsMembership {
  dvsUuid: string;
  dvsName: string;
  uplinks: string[];
}

export interface SnapshotHost {
  moref: string;
  name: string;
  hardwareUuid: string | null;
  cluster: string | null;
  connectionState: string;
  pnics: SnapshotPnic[];
  vswitches: SnapshotVswitch[];
  portgroups: SnapshotPortgroup[];
  vmks: SnapshotVmk[];
  gateway: string | null;
  dvsMembership: SnapshotDvsMembership[];
}

export type VlanConfig = { kind: 'vlan'; vlan: number } | { kind: 'trunk'; ranges: { first: number; last: number }[] } | { kind: 'pvlan'; pvlan: number };

export interface SnapshotDvPortgroup {
  moref: string;
  key: string;
  name: string;
  vlan: VlanConfig;
  teaming: TeamingPolicy | null;
}

export interface SnapshotDvs {
  moref: string;
  uuid: string;
  name: string;
  mtu: number | null;
  portgroups: SnapshotDvPortgroup[];
}

export type VnicBacking = { kind: 'portgroup'; portgroup: string } | { kind: 'dvportgroup'; dvsUuid: string; portgroupKey: string } | { kind: 'other'; description: string };

export interface SnapshotVnic {
  mac: string;
  backing: VnicBacking;
  connected: boolean;
  /** Guest IPs seen by VMware Tools on this NIC. */
  ips: string[];
}

export interface SnapshotVm {
  moref: string;
  name: string;
  uuid: string | null;
  instanceUuid: string | null;
  hostMoref: string | null;
  powerState: string;
  toolsRunning: boolean;
  nics: SnapshotVnic[];
}

export interface Snapshot {
  source: SnapshotSource;
  takenAt: string;
  complete: boolean;
  /** Why the snapshot is partial, one line per gap. */
  gaps: string[];
  hosts: SnapshotHost[];
  dvSwitches: SnapshotDvs[];
  vms: SnapshotVm[];
}
