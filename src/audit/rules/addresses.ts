/** Address rules: VM IPs no subnet owns (grouped by the subnet that would), and one IP on two objects. */
import { formatAddress, parseAddress, parseInterfaceAddress } from '../../domain/address.ts';
import { subnetContaining, type Estate } from '../estate.ts';
import { type Hit, type Rule } from '../rule.ts';
import { shellWord } from '../../render/esxcli/index.ts';

/** The /24 (IPv4) or /64 (IPv6) around an address: the usual size of the subnet a sync did not find. */
function enclosingNetwork(text: string): string {
  const address = parseAddress(text);
  const bits = address.family === 4 ? 24 : 64;
  const total = address.family === 4 ? 32 : 128;
  const mask = ((1n << BigInt(total)) - 1n) ^ ((1n << BigInt(total - bits)) - 1n);
  return `${formatAddress(address.family, address.value & mask)}/${bits}`;
}

export const unownedVmIps: Rule = {
  id: 'vm-ip-without-subnet',
  severity: 'warning',
  title: 'VM IPs that no subnet owns',
  why: 'An IP outside the address plan cannot be reserved, so the IPAM may hand it out again, and nothing documents its VLAN or gateway (seed 004).',
  check(estate) {
    const vnicsByOwner = new Map(estate.vnics.map((vnic) => [`${vnic.vmUuid}/${vnic.mac}`, vnic]));
    const groups = new Map<string, { ips: { vm: string; vmUuid: string; address: string; host: string | null; mac: string }[] }>();
    for (const entry of estate.unattached) {
      // A subnet created since the sync owns it now: the next sync attaches it (or says why not).
      if (!entry.reason.startsWith('no subnet contains it') || subnetContaining(estate, parseAddress(entry.address))) continue;
      const network = enclosingNetwork(entry.address);
      const group = groups.get(network) ?? { ips: [] };
      group.ips.push(entry);
      groups.set(network, group);
    }
    return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([network, group]): Hit => {
      // The wire and VLAN of the port group the VMs sit on are where the subnet belongs.
      const placements = group.ips.map((ip) => {
        const vnic = vnicsByOwner.get(`${ip.vmUuid}/${ip.mac}`);
        const host = vnic?.host ? estate.hostsByName.get(vnic.host) : undefined;
        const pg = host && vnic?.portgroup ? host.byName.get(vnic.portgroup) : undefined;
        return pg?.kind === 'portgroup' && host ? { wire: estate.switchWires.get(`${host.name}\u0000${pg.switch}`) ?? null, vlan: pg.vlan } : null;
      });
      const placement = placements.find((candidate) => candidate?.wire) ?? placements.find(Boolean) ?? null;
      const name = `vm-${network.split('/')[0]!.replaceAll(/[.:]+/g, '-')}`.replace(/-$/, '');
      const wire = placement?.wire ?? 'WIRE';
      const vlan = placement && placement.vlan > 0 && placement.vlan < 4095 ? ` --vlan ${placement.vlan}` : '';
      return {
        host: null,
        objects: [...new Set(group.ips.map((ip) => ip.vm))].sort().concat(group.ips.map((ip) => ip.address)),
        message: `${group.ips.length} VM IP${group.ips.length > 1 ? 's' : ''} in ${network} (${group.ips.map((ip) => `${ip.vm} ${ip.address}`).join(', ')}) ${group.ips.length > 1 ? 'have' : 'has'} no subnet`,
        fix: `hostwire subnet create ${name} --wire ${shellWord(wire)} --cidr ${network}${vlan}\nhostwire sync ACCOUNT   # attaches the IPs to the new subnet`,
      };
    });
  },
};

export const duplicateIps: Rule = {
  id: 'duplicate-ip',
  severity: 'error',
  title: 'The same IP is owned or observed on two objects',
  why: 'Two holders of one IP answer ARP in turn: traffic flips between them, and the IPAM cannot say which is right.',
  check(estate: Estate) {
    const holders = new Map<string, Set<string>>();
    const add = (address: string, holder: string) => holders.set(address, (holders.get(address) ?? new Set()).add(holder));
    const vmNames = new Map(estate.vnics.map((vnic) => [`${vnic.vmUuid}/${vnic.mac}`, `VM ${vnic.vm} (${vnic.mac})`]));
    for (const host of estate.hosts) {
      for (const spec of host.interfaces) for (const text of 'addresses' in spec ? (spec.addresses ?? []) : []) add(parseInterfaceAddress(text).address.text, `host ${host.name}/${spec.name}`);
    }
    for (const vnic of estate.vnics) for (const ip of vnic.observedIps) add(parseAddress(ip).text, `VM ${vnic.vm} (${vnic.mac})`);
    for (const record of estate.addresses) {
      if (record.ownerKind === 'host-interface' && record.ownerId) add(record.address, `host ${record.ownerId}`);
      else if (record.ownerKind === 'vnic' && record.ownerId) add(record.address, vmNames.get(record.ownerId) ?? `vNIC ${record.ownerId}`);
      else add(record.address, `the ${record.state} record${record.ownerId ? ` of ${record.ownerKind} ${record.ownerId}` : ''}${record.note ? ` (${record.note})` : ''}`);
    }
    const hits: Hit[] = [];
    for (const [address, found] of holders) {
      if (found.size < 2) continue;
      const names = [...found].sort();
      hits.push({ host: null, objects: [address, ...names], message: `${address} (${subnetContaining(estate, parseAddress(address))?.name ?? 'in no subnet'}) is held by ${names.join(' and ')}`, fix: `hostwire ip show ${address}   # see the owner of record; change the other holder's address, then\nhostwire ip release ${address} && hostwire ip allocate --subnet SUBNET --ip ${address} --owner KIND:ID` });
    }
    return hits.sort((a, b) => a.objects[0]!.localeCompare(b.objects[0]!));
  },
};
