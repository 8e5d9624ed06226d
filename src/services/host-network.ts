/**
 * A host's network beyond its declaration: what the renderers need from the IPAM (each address's
 * subnet, gateway and DNS), rendering in any format, and the comparison with imported live facts.
 */
import { addressKey, parseInterfaceAddress } from '../domain/address.ts';
import type { Context } from '../store/context.ts';
import { findSpace, findSubnetContaining } from '../store/subnets.ts';
import type { AddressSubnet, GuestNetwork, RenderedFile, RenderInput } from '../render/files.ts';
import * as inventory from '../store/inventory.ts';
import { render } from '../render/index.ts';
import { showHost } from './hosts.ts';

/** The host as the renderers see it: its interfaces plus each address's subnet facts. */
export async function renderInputFor(context: Context, name: string): Promise<RenderInput> {
  const host = await showHost(context, name);
  const subnets: Record<string, AddressSubnet> = {};
  await context.store.read(async (conn) => {
    const space = (await findSpace(conn, 'default'))!;
    for (const spec of host.interfaces) {
      for (const text of 'addresses' in spec ? (spec.addresses ?? []) : []) {
        const { address } = parseInterfaceAddress(text);
        const subnet = await findSubnetContaining(conn, space.id, addressKey(address.family, address.value));
        if (subnet) subnets[address.text] = { name: subnet.name, gateway: subnet.gateway, dns: JSON.parse(subnet.dns_json) as string[], domain: subnet.domain, vlan: subnet.vlan };
      }
    }
  });
  const vms = await context.store.read(async (conn) => {
    const hostId = (await inventory.findHost(conn, name))!.id;
    const guests = new Map<string, GuestNetwork>();
    for (const row of await inventory.listAllVnics(conn, { hostId })) {
      const guest = guests.get(row.vm_uuid) ?? { name: row.vm_name, nics: [] };
      guest.nics.push({ mac: row.mac, attachment: row.portgroup_name });
      guests.set(row.vm_uuid, guest);
    }
    return [...guests.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });
  return { name: host.name, platform: host.platform, osFamily: host.osFamily, interfaces: host.interfaces, managementAddress: host.managementAddress, subnets, vms };
}

export async function renderHost(context: Context, name: string, format: string): Promise<RenderedFile[]> {
  return render(await renderInputFor(context, name), format);
}
