/**
 * The baseline the engine is measured against: allocation by scanning for the first free address,
 * the way an IPAM without a free-space index does it (NetBox's available-ips reads every used
 * address of the prefix). It reads the subnet's used addresses in order and takes the first gap.
 */
import { addressKey, formatAddress, parsePrefix, usableRange } from '../src/domain/address.ts';
import { insertAddresses, listAddresses } from '../src/store/addresses.ts';
import type { Context } from '../src/store/context.ts';
import { findSubnet, lockSubnet } from '../src/store/subnets.ts';

export async function naiveAllocate(context: Context, subnetName: string): Promise<string> {
  return context.store.write(async (tx) => {
    const subnet = (await findSubnet(tx, subnetName))!;
    await lockSubnet(tx, subnet.id);
    const prefix = parsePrefix(subnet.cidr);
    const usable = usableRange(prefix)!;
    const used = new Set((await listAddresses(tx, { subnetId: subnet.id })).map((row) => row.key));
    for (let value = usable.first; value <= usable.last; value++) {
      const key = addressKey(prefix.family, value);
      if (used.has(key)) continue;
      const at = context.now().toISOString();
      const address = formatAddress(prefix.family, value);
      await insertAddresses(tx, [{ space_id: subnet.space_id, subnet_id: subnet.id, key, address, state: 'allocated', owner_kind: 'manual', owner_id: null, note: '', created_at: at, updated_at: at }]);
      return address;
    }
    throw new Error(`subnet ${subnetName} is full`);
  });
}
