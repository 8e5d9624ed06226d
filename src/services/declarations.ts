/**
 * `host apply`: declarations of hosts' networks, applied in one transaction (all documents or
 * none). Addresses are recorded in the IPAM for their interface: an explicit one must fit its
 * subnet and be free; `{subnet: NAME}` allocates one and keeps it on every re-apply.
 */
import { addressKey, formatAddress, parseInterfaceAddress, parsePrefix } from '../domain/address.ts';
import { conflict, HostwireError, invalid } from '../domain/errors.ts';
import type { DeclaredInterface, Declaration } from '../domain/declaration.ts';
import type { InterfaceSpec } from '../domain/interfaces.ts';
import { allocate, release } from '../ipam/allocation.ts';
import { describeHolder } from '../ipam/records.ts';
import { findAddress, listOwnedBy } from '../store/addresses.ts';
import type { Context } from '../store/context.ts';
import { findSpace, findSubnet, findSubnetContaining } from '../store/subnets.ts';
import { setHostInterfaces, upsertHost, type HostDetail } from './hosts.ts';

export interface ParsedDeclaration {
  declaration: Declaration;
  interfaces: DeclaredInterface[];
}

export async function applyDeclarations(context: Context, documents: ParsedDeclaration[]): Promise<HostDetail[]> {
  const names = documents.map((document) => document.declaration.host);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated) throw invalid('host', `host '${repeated}' is declared twice in one apply`);
  return context.store.write(async () => {
    const applied: HostDetail[] = [];
    for (const document of documents) applied.push(await applyOne(context, document));
    return applied;
  });
}

async function applyOne(context: Context, { declaration, interfaces }: ParsedDeclaration): Promise<HostDetail> {
  const host = declaration.host;
  await upsertHost(context, { name: host, platform: declaration.platform, osFamily: declaration.os, cluster: declaration.cluster ?? null, managementAddress: declaration.management ?? null });
  const wanted: { owner: string; address: string; subnet: string; allocate: boolean }[] = [];
  const specs: InterfaceSpec[] = [];
  const held = await context.store.read(async (conn) => listOwnedBy(conn, 'host-interface', `${host}/`));
  for (const [index, declared] of interfaces.entries()) {
    const owner = `${host}/${declared.name}`;
    const addresses: string[] = [];
    for (const [position, address] of (declared.addresses ?? []).entries()) {
      const field = `interfaces.${index}.addresses.${position}`;
      if (typeof address === 'string') {
        const subnet = await checkExplicit(context, address, owner, field);
        addresses.push(address);
        const text = parseInterfaceAddress(address).address.text;
        if (subnet) wanted.push({ owner, address: text, subnet, allocate: !held.some((record) => record.address === text && record.owner_id === owner) });
        continue;
      }
      const subnet = await context.store.read((conn) => findSubnet(conn, address.subnet));
      if (!subnet) throw invalid(`${field}.subnet`, `subnet '${address.subnet}' does not exist`);
      const kept = held.find((record) => record.owner_id === owner && record.subnet_name === subnet.name && !wanted.some((entry) => entry.address === record.address));
      const chosen = kept?.address ?? (await allocate(context, { subnet: subnet.name, owner: { kind: 'host-interface', id: owner }, note: `declared on ${host}` }))[0]!.address;
      addresses.push(`${chosen}/${subnet.prefix_length}`);
      wanted.push({ owner, address: chosen, subnet: subnet.name, allocate: false });
    }
    specs.push({ ...declared, ...(declared.addresses ? { addresses } : {}) } as InterfaceSpec);
  }
  const detail = await setHostInterfaces(context, host, specs);
  for (const entry of wanted.filter((candidate) => candidate.allocate)) {
    await allocate(context, { subnet: entry.subnet, address: entry.address, owner: { kind: 'host-interface', id: entry.owner }, note: `declared on ${host}` });
  }
  for (const record of held) {
    if (!wanted.some((entry) => entry.address === record.address && entry.owner === record.owner_id)) await release(context, { address: record.address });
  }
  return detail;
}

/** An explicit address must use its subnet's prefix length and be free or already this interface's. Returns its subnet, if any. */
async function checkExplicit(context: Context, text: string, owner: string, field: string): Promise<string | null> {
  const { address, prefix } = parseInterfaceAddress(text, field);
  return context.store.read(async (conn) => {
    const space = (await findSpace(conn, 'default'))!;
    const key = addressKey(address.family, address.value);
    const subnet = await findSubnetContaining(conn, space.id, key);
    if (!subnet) return null;
    const subnetPrefix = parsePrefix(subnet.cidr);
    if (subnetPrefix.length !== prefix.length) {
      throw new HostwireError('validation', `${field}: ${text} is in subnet '${subnet.name}' (${subnet.cidr}); write it ${formatAddress(address.family, address.value)}/${subnetPrefix.length}`, [{ path: field, message: 'prefix length differs from its subnet' }]);
    }
    const holder = await findAddress(conn, space.id, key);
    if (holder && !(holder.owner_kind === 'host-interface' && holder.owner_id === owner)) throw conflict(`${field}: ${address.text} is already ${describeHolder(holder)}`, field);
    return subnet.name;
  });
}
