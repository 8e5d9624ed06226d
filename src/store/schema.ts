/**
 * Row types of the store, as kysely sees them. Both dialects keep the same shapes: timestamps are
 * ISO-8601 UTC text, booleans are 0/1 integers, lists and objects are JSON text, and addresses
 * carry a sort key (see domain/address.ts `addressKey`) that the indexes work on.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface IpSpaceTable {
  id: Generated<number>;
  name: string;
  description: string;
}

export interface WireTable {
  id: Generated<number>;
  name: string;
  description: string;
  mtu: number;
  origin: string;
  source_account: string | null;
  created_at: string;
  updated_at: string;
}

export interface SubnetTable {
  id: Generated<number>;
  name: string;
  space_id: number;
  wire_id: number;
  cidr: string;
  family: number;
  prefix_length: number;
  first_key: string;
  last_key: string;
  vlan: number;
  gateway: string | null;
  dns_json: string;
  domain: string | null;
  policy: string;
  hold_down_seconds: number;
  created_at: string;
  updated_at: string;
}

export interface SubnetPoolTable {
  id: Generated<number>;
  subnet_id: number;
  first_key: string;
  last_key: string;
}

/** Free space of a subnet's pools, kept as disjoint ranges: allocation is an index seek, never a scan. */
export interface FreeRangeTable {
  subnet_id: number;
  first_key: string;
  last_key: string;
}

/** Released addresses waiting out their subnet's hold-down before they return to the free ranges. */
export interface AddressHoldTable {
  subnet_id: number;
  key: string;
  until: string;
}

export interface AddressTable {
  id: Generated<number>;
  space_id: number;
  subnet_id: number;
  key: string;
  address: string;
  state: string;
  owner_kind: string | null;
  owner_id: string | null;
  note: string;
  created_at: string;
  updated_at: string;
}

export interface HostTable {
  id: Generated<number>;
  name: string;
  platform: string;
  os_family: string;
  cluster: string | null;
  management_address: string | null;
  hardware_uuid: string | null;
  source_account: string | null;
  external_id: string | null;
  created_at: string;
  updated_at: string;
  removed_at: Generated<string | null>;
}

export interface HostInterfaceTable {
  id: Generated<number>;
  host_id: number;
  name: string;
  kind: string;
  mac: string | null;
  mtu: number | null;
  vlan: number | null;
  /** The kind-specific parameters (the interface spec without name and kind). */
  params_json: string;
  created_at: string;
  updated_at: string;
}

/** Edges of the interface graph: child sits on parent in a role (member, uplink, port, switch...). */
export interface InterfaceLinkTable {
  interface_id: number;
  parent_id: number;
  role: string;
  position: number;
}

export interface VmTable {
  id: Generated<number>;
  name: string;
  uuid: string;
  bios_uuid: string | null;
  host_id: number | null;
  power_state: string;
  tools_state: string;
  source_account: string | null;
  external_id: string | null;
  created_at: string;
  updated_at: string;
  removed_at: Generated<string | null>;
}

export interface VnicTable {
  id: Generated<number>;
  vm_id: number;
  mac: string;
  portgroup_id: number | null;
  network_name: string | null;
  connected: number;
  observed_ips_json: string;
}

export interface TagTable {
  object_kind: string;
  object_id: number;
  key: string;
  value: string;
}

export interface ChangeTable {
  id: Generated<number>;
  at: string;
  actor: string;
  object_kind: string;
  object_id: number | null;
  object_name: string;
  action: string;
  before_json: string | null;
  after_json: string | null;
}

export interface ApiTokenTable {
  id: Generated<number>;
  name: string;
  role: string;
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
}

export interface AccountTable {
  id: Generated<number>;
  name: string;
  kind: string;
  url: string;
  username: string;
  /** AES-256-GCM of the password (see services/secrets.ts), never the password. */
  password_sealed: string;
  tls_ca: string | null;
  tls_thumbprint: string | null;
  tls_insecure: number;
  instance_uuid: string | null;
  created_at: string;
  updated_at: string;
}

export interface SyncTable {
  id: Generated<number>;
  account_id: number;
  started_at: string;
  finished_at: string | null;
  status: string;
  summary_json: string | null;
  error: string | null;
}

/** The wire a synced switch belongs to; key `host:<instance>:<moref>/<vswitch>` or `dvs:<instance>:<uuid>`. */
export interface SwitchWireTable {
  switch_key: string;
  wire_id: number;
  origin: string;
  label: string;
  evidence_json: string;
  updated_at: string;
}

/** The last live facts imported for a host, beside (not instead of) its declaration. */
export interface HostFactsTable {
  host_id: number;
  format: string;
  source: string;
  imported_at: string;
  interfaces_json: string;
  link_state_json: string;
  warnings_json: string;
}

export interface PxeImageTable {
  id: Generated<number>;
  name: string;
  kind: string;
  path: string;
  kernel: string | null;
  initrd: string | null;
  created_at: string;
}

/** A host to install over PXE; its address is also an IPAM record owned by `pxe-host:<name>`. */
export interface PxeHostTable {
  id: Generated<number>;
  name: string;
  mac: string;
  hostname: string;
  subnet_id: number;
  address: string;
  boot: string;
  image_id: number;
  vlan: number | null;
  /** Random text the host's kickstart token is derived from (the token itself is never stored). */
  token_nonce: string;
  created_at: string;
}

export interface PxeProgressTable {
  host_id: number;
  step: string;
  at: string;
  detail: string;
}

export interface Database {
  accounts: AccountTable;
  syncs: SyncTable;
  switch_wires: SwitchWireTable;
  api_tokens: ApiTokenTable;
  ip_spaces: IpSpaceTable;
  wires: WireTable;
  subnets: SubnetTable;
  subnet_pools: SubnetPoolTable;
  free_ranges: FreeRangeTable;
  address_holds: AddressHoldTable;
  addresses: AddressTable;
  hosts: HostTable;
  host_interfaces: HostInterfaceTable;
  host_facts: HostFactsTable;
  interface_links: InterfaceLinkTable;
  vms: VmTable;
  vnics: VnicTable;
  tags: TagTable;
  changes: ChangeTable;
  pxe_images: PxeImageTable;
  pxe_hosts: PxeHostTable;
  pxe_progress: PxeProgressTable;
}

export type WireRow = Selectable<WireTable>;
export type SubnetRow = Selectable<SubnetTable>;
export type NewSubnetRow = Insertable<SubnetTable>;
export type SubnetUpdate = Updateable<SubnetTable>;
export type AddressRow = Selectable<AddressTable>;
export type NewAddressRow = Insertable<AddressTable>;
export type FreeRangeRow = Selectable<FreeRangeTable>;
export type HostRow = Selectable<HostTable>;
export type HostInterfaceRow = Selectable<HostInterfaceTable>;
export type HostFactsRow = Selectable<HostFactsTable>;
export type VmRow = Selectable<VmTable>;
export type VnicRow = Selectable<VnicTable>;
export type ChangeRow = Selectable<ChangeTable>;
export type ApiTokenRow = Selectable<ApiTokenTable>;
export type AccountRow = Selectable<AccountTable>;
export type SyncRow = Selectable<SyncTable>;
export type SwitchWireRow = Selectable<SwitchWireTable>;
export type PxeImageRow = Selectable<PxeImageTable>;
export type PxeHostRow = Selectable<PxeHostTable>;
export type PxeProgressRow = Selectable<PxeProgressTable>;
