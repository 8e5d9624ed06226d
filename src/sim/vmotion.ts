/**
 * The vMotion streams between two hosts (seed 002): each vMotion vmk of the source connects to the
 * vMotion vmk of the destination in the same subnet, one stream a pair, leaving on the uplink the
 * failure simulation says carries it. The bandwidth bound adds, per distinct source uplink, the
 * lesser of its speed and the speed of the destination uplinks its streams reach, capped by what
 * the destination uplinks can take in all. Notes name the vmks that cannot take part: no partner in
 * their subnet, or a partner with vMotion disabled (the outage of seed 002).
 */
import { parseInterfaceAddress } from '../domain/address.ts';
import { carriers, hostObjects, type SimHost, type SimOptions } from './teams.ts';

export interface VmotionStream {
  subnet: string;
  source: { vmk: string; address: string; uplink: string | null };
  destination: { vmk: string; address: string; uplink: string | null };
}

export interface VmotionPlan {
  from: string;
  to: string;
  streams: VmotionStream[];
  /** Upper bound in Mbit/s from the uplinks' speeds; null when no stream has known speeds on both ends. */
  bandwidthMbps: number | null;
  notes: string[];
}

interface VmkAddress {
  vmk: string;
  address: string;
  subnet: string;
  vmotion: boolean;
  uplink: string | null;
}

export function planVmotion(from: SimHost, to: SimHost, options: SimOptions = {}): VmotionPlan {
  const source = vmkAddresses(from, options);
  const destination = vmkAddresses(to, options);
  const streams: VmotionStream[] = [];
  const notes: string[] = [];
  for (const local of source.filter((candidate) => candidate.vmotion)) {
    const peers = destination.filter((candidate) => candidate.subnet === local.subnet);
    const peer = peers.find((candidate) => candidate.vmotion);
    if (peer) {
      streams.push({ subnet: local.subnet, source: streamEnd(local), destination: streamEnd(peer) });
    } else if (peers.length) {
      notes.push(`${from.name} ${local.vmk} (${local.address}): vMotion is disabled on ${to.name} ${peers.map((candidate) => candidate.vmk).join(', ')} in ${local.subnet}; enable it there`);
    } else {
      notes.push(`${from.name} ${local.vmk} (${local.address}): ${to.name} has no vmk in ${local.subnet}`);
    }
  }
  for (const local of source.filter((candidate) => !candidate.vmotion)) {
    const peer = destination.find((candidate) => candidate.subnet === local.subnet && candidate.vmotion);
    if (peer) notes.push(`${from.name} ${local.vmk} (${local.address}): vMotion is disabled, while ${to.name} ${peer.vmk} carries vMotion in ${local.subnet}; enable it`);
  }
  return { from: from.name, to: to.name, streams, bandwidthMbps: bandwidthBound(from, to, streams, notes), notes };
}

function streamEnd(end: VmkAddress) {
  return { vmk: end.vmk, address: end.address, uplink: end.uplink };
}

/** Every vmk address with its subnet and the uplink its traffic leaves on (the first, if spread). */
function vmkAddresses(host: SimHost, options: SimOptions): VmkAddress[] {
  const objects = new Map(hostObjects(host, [], options).map((object) => [object.object, object]));
  return host.interfaces.flatMap((spec) => {
    if (spec.kind !== 'vmk') return [];
    const uplink = objects.get(spec.name)?.legs.flatMap((leg) => carriers(leg, new Set()))[0] ?? null;
    return (spec.addresses ?? []).map((address) => ({
      vmk: spec.name,
      address,
      subnet: parseInterfaceAddress(address, `${host.name}.${spec.name}.addresses`).prefix.text,
      vmotion: spec.services.includes('vmotion'),
      uplink,
    }));
  });
}

function bandwidthBound(from: SimHost, to: SimHost, streams: VmotionStream[], notes: string[]): number | null {
  const speed = (host: SimHost, uplink: string | null) => {
    const nic = host.interfaces.find((spec) => spec.name === uplink);
    return nic?.kind === 'physical' ? (nic.speedMbps ?? null) : null;
  };
  const reached = new Map<string, Set<string>>();
  for (const stream of streams) {
    const { source, destination } = stream;
    if (speed(from, source.uplink) === null || speed(to, destination.uplink) === null) {
      notes.push(`${source.vmk} -> ${destination.vmk}: uplink speed unknown, left out of the bandwidth bound`);
      continue;
    }
    reached.set(source.uplink!, (reached.get(source.uplink!) ?? new Set()).add(destination.uplink!));
  }
  if (!reached.size) return null;
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const sourceSide = sum([...reached].map(([uplink, peers]) => Math.min(speed(from, uplink)!, sum([...peers].map((peer) => speed(to, peer)!)))));
  const destinationSide = sum([...new Set([...reached.values()].flatMap((peers) => [...peers]))].map((peer) => speed(to, peer)!));
  return Math.min(sourceSide, destinationSide);
}
