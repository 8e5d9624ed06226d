/**
 * How a host's vmks and guest vNICs spread over the uplinks of each team (vSwitch / DVS, bond or
 * lone NIC) under the configured policy, with nothing failed: the `before` of the failure
 * simulation, grouped by uplink. Objects whose traffic is hashed per flow (IP hash, 802.3ad,
 * balance-xor...) are listed apart, since no single uplink carries them.
 */
import type { GuestNetwork } from '../render/files.ts';
import { cabledUplinks, carriers, hashPolicyNote, hostObjects, type SimHost, type SimOptions, spreadPerFlow, type Team } from './teams.ts';

export interface TeamBalance {
  host: string;
  /** The vSwitch, DVS, bond or NIC. */
  team: string;
  /** Every uplink cabled to the team, in order, with the objects pinned to it (idle ones too). */
  uplinks: { uplink: string; count: number; objects: string[] }[];
  /** Objects spread per flow, with the uplinks they spread over. */
  perFlow: { object: string; uplinks: string[] }[];
  notes: string[];
}

export function simulateBalance(host: SimHost, guests: GuestNetwork[], options: SimOptions = {}): TeamBalance[] {
  const balances = new Map<string, TeamBalance>();
  const teamBalance = (team: Team): TeamBalance => {
    let balance = balances.get(team.name);
    if (!balance) {
      balance = { host: host.name, team: team.name, uplinks: cabledUplinks(team).map((uplink) => ({ uplink, count: 0, objects: [] })), perFlow: [], notes: [] };
      balances.set(team.name, balance);
    }
    return balance;
  };
  for (const { object, kind, legs } of hostObjects(host, guests, options)) {
    if (kind !== 'vmk' && kind !== 'vnic') continue;
    for (const leg of legs) {
      const balance = teamBalance(leg.team);
      const carrying = carriers(leg, new Set());
      if (spreadPerFlow(leg.team)) {
        balance.perFlow.push({ object, uplinks: carrying });
        const note = leg.team.type === 'bond' ? hashPolicyNote(leg.team) : 'IP hash: each flow (source and destination IP) picks its uplink, so load follows the traffic mix';
        if (note && !balance.notes.includes(note)) balance.notes.push(note);
        continue;
      }
      for (const uplink of carrying) {
        const row = balance.uplinks.find((candidate) => candidate.uplink === uplink)!;
        row.count++;
        row.objects.push(object);
      }
    }
  }
  return [...balances.values()];
}
