/** Store rows to domain objects, for the address plan. */
import { keyToAddress, type Family } from '../domain/address.ts';
import type { AddressRecord, AddressState, AllocationPolicy, OwnerKind, Pool, Subnet } from '../domain/model.ts';
import type { AddressWithNames } from '../store/addresses.ts';
import type { SubnetWithNames } from '../store/subnets.ts';

export function toSubnet(row: SubnetWithNames, pools: { first_key: string; last_key: string }[]): Subnet {
  return {
    id: row.id,
    name: row.name,
    space: row.space_name,
    wire: row.wire_name,
    cidr: row.cidr,
    family: row.family as Family,
    vlan: row.vlan,
    gateway: row.gateway,
    dns: JSON.parse(row.dns_json) as string[],
    domain: row.domain,
    pools: pools.map((pool): Pool => ({ first: keyToAddress(pool.first_key).text, last: keyToAddress(pool.last_key).text })),
    policy: row.policy as AllocationPolicy,
    holdDownSeconds: row.hold_down_seconds,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toAddressRecord(row: AddressWithNames): AddressRecord {
  return {
    id: row.id,
    space: row.space_name,
    address: row.address,
    subnet: row.subnet_name,
    state: row.state as AddressState,
    ownerKind: row.owner_kind as OwnerKind | null,
    ownerId: row.owner_id,
    note: row.note,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** How an owner reads in tables and JSON: the text a user gave for manual owners, `kind:id` for the others. */
export function ownerLabel(record: Pick<AddressRecord, 'ownerKind' | 'ownerId'>): string | null {
  if (!record.ownerKind) return null;
  if (record.ownerKind === 'manual') return record.ownerId;
  return record.ownerId ? `${record.ownerKind}:${record.ownerId}` : record.ownerKind;
}

/** "allocated to web01 (note) in subnet 'mgmt'": who holds an address, for conflict messages. */
export function describeHolder(record: AddressWithNames): string {
  const owner = ownerLabel(toAddressRecord(record));
  return `${record.state}${owner ? ` to ${owner}` : ''}${record.note ? ` (${record.note})` : ''} in subnet '${record.subnet_name}'`;
}
