/**
 * The vocabulary of hostwire (see DESIGN.md): one model for VMware, Xen / Oracle VM and KVM.
 * Enumerations are `as const` tuples so that zod schemas, the store's CHECK constraints and the
 * CLI's help text are all generated from one list.
 */
import type { Family } from './address.ts';

export const PLATFORMS = ['esxi', 'kvm', 'xen', 'ovm'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The renderer family a host's configuration is written for. */
export const OS_FAMILIES = ['rhel', 'debian', 'ifupdown2', 'netplan', 'networkmanager', 'esxi'] as const;
export type OsFamily = (typeof OS_FAMILIES)[number];

/** `declared` by an admin, or `auto`-created by a sync for a switch whose L2 domain is not known yet. */
export const WIRE_ORIGINS = ['declared', 'auto'] as const;
export type WireOrigin = (typeof WIRE_ORIGINS)[number];

/** `highest` is Cloudpods' "stepdown". */
export const ALLOCATION_POLICIES = ['lowest', 'highest', 'random'] as const;
export type AllocationPolicy = (typeof ALLOCATION_POLICIES)[number];

export const ADDRESS_STATES = ['allocated', 'reserved', 'discovered'] as const;
export type AddressState = (typeof ADDRESS_STATES)[number];

export const OWNER_KINDS = ['vnic', 'host-interface', 'gateway', 'pxe-host', 'manual'] as const;
export type OwnerKind = (typeof OWNER_KINDS)[number];

export const DEFAULT_SPACE = 'default';

export interface IpSpace {
  id: number;
  name: string;
  description: string;
}

export interface Wire {
  id: number;
  name: string;
  description: string;
  mtu: number;
  origin: WireOrigin;
  /** The sync account that created it, for wires with origin `auto`. */
  sourceAccount: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Pool {
  first: string;
  last: string;
}

export interface Subnet {
  id: number;
  name: string;
  space: string;
  wire: string;
  cidr: string;
  family: Family;
  /** 0 is untagged, 1-4094 tagged. */
  vlan: number;
  gateway: string | null;
  dns: string[];
  domain: string | null;
  pools: Pool[];
  policy: AllocationPolicy;
  holdDownSeconds: number;
  createdAt: string;
  updatedAt: string;
}

export interface AddressRecord {
  id: number;
  space: string;
  address: string;
  subnet: string;
  state: AddressState;
  ownerKind: OwnerKind | null;
  ownerId: string | null;
  note: string;
  createdAt: string;
  updatedAt: string;
}

/** Counts as decimal strings: an IPv6 /64 holds more than a JavaScript number can. */
export interface Utilization {
  capacity: string;
  used: string;
  free: string;
  /** Released addresses still in their hold-down period. */
  held: string;
  /** used / capacity, 0-100, for display. */
  percent: number;
}

export interface Host {
  id: number;
  name: string;
  platform: Platform;
  osFamily: OsFamily;
  cluster: string | null;
  managementAddress: string | null;
  hardwareUuid: string | null;
  sourceAccount: string | null;
  externalId: string | null;
  createdAt: string;
  updatedAt: string;
}

export const POWER_STATES = ['poweredOn', 'poweredOff', 'suspended', 'unknown'] as const;
export type PowerState = (typeof POWER_STATES)[number];

export const TOOLS_STATES = ['running', 'notRunning', 'notInstalled', 'unknown'] as const;
export type ToolsState = (typeof TOOLS_STATES)[number];

export interface Vm {
  id: number;
  name: string;
  /** Identity: the vCenter instance UUID of a VMware VM, the domain UUID of a libvirt or Xen guest. */
  uuid: string;
  /** The SMBIOS UUID (VMware config.uuid): clones may share it, so it identifies nothing. */
  biosUuid: string | null;
  host: string | null;
  powerState: PowerState;
  toolsState: ToolsState;
  sourceAccount: string | null;
  externalId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Vnic {
  id: number;
  vm: string;
  mac: string;
  /** Port group (or bridge) interface on the VM's host, when known. */
  portgroup: string | null;
  connected: boolean;
  observedIps: string[];
}

/** Kinds of object that tags and change entries refer to. */
export const OBJECT_KINDS = ['space', 'wire', 'subnet', 'address', 'host', 'interface', 'vm', 'vnic', 'token', 'account', 'pxe-host', 'pxe-image'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export interface Tag {
  objectKind: ObjectKind;
  objectId: number;
  key: string;
  value: string;
}

export const CHANGE_ACTIONS = ['create', 'update', 'delete', 'allocate', 'reserve', 'release'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

export interface ChangeEntry {
  id: number;
  at: string;
  actor: string;
  objectKind: ObjectKind;
  objectId: number | null;
  objectName: string;
  action: ChangeAction;
  before: unknown;
  after: unknown;
}

/** What a token may do: viewers read; operators also allocate, release, reserve, sync and render; admins do everything. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiToken {
  name: string;
  role: Role;
  createdAt: string;
  lastUsedAt: string | null;
}

/** Who is writing: `cli`, a token's name, or a sync account. Every service write takes one. */
export interface Actor {
  name: string;
}
