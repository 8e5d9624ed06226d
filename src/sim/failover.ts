/**
 * Failure simulation (issue 6, seed 000): what happens to every port group, vmk, bond, VLAN,
 * bridge and guest vNIC of a host when some uplinks fail. Two kinds of failure:
 * - `links`: the NIC loses carrier. ESXi sees it at once, whatever the beacon settings; a Linux
 *   bond sees it after one MII monitor interval, or never when the bond does not monitor.
 * - `switchDown`: the path behind the NIC breaks while its link stays up (an upstream switch or
 *   inter-switch link fails). Only ESXi beacon probing notices, after interval x threshold
 *   seconds; with threshold 0 or link state only, traffic keeps going out and is lost.
 *   A name is an upstream switch from `options.upstream` (the NICs cabled to it), a host switch,
 *   bond or bridge (all the NICs beneath it), or one NIC.
 * Uplinks a team has noticed are dropped; the team then picks its carriers as in `teams.ts`.
 */
import { invalid } from '../domain/errors.ts';
import type { InterfaceSpec } from '../domain/interfaces.ts';
import type { GuestNetwork } from '../render/files.ts';
import { type BondTeam, carriers, hashPolicyNote, hostObjects, type Leg, type SimHost, type SimObjectKind, type SimOptions, spreadPerFlow, type SwitchTeam, type Team, teamUplinks, uplinkText } from './teams.ts';

export interface LinkFailure {
  /** NICs whose link goes down. */
  links: string[];
  /** Upstream switches, host switches or NICs whose path breaks while the links stay up. */
  switchDown?: string[];
  /** NICs already down before this failure (the host's observed link state): they carry nothing before or after. */
  alreadyDown?: string[];
}

export interface FailoverEntry {
  object: string;
  kind: SimObjectKind;
  host: string;
  /** The uplink carrying it before the failure; several joined by '+' when spread per flow or per port; null when none. */
  before: string | null;
  /** The uplink carrying it once the failure is detected (or still, when it never is); null when none is left. */
  after: string | null;
  connected: boolean;
  /** Seconds until the team notices the failure; null when it never does. */
  detectSeconds: number | null;
  /** What happens when the failed uplinks come back. */
  recovery: string;
  notes: string[];
}

type UplinkFault = 'link' | 'upstream';

/** One entry per object whose team uses a failed uplink (unused uplinks do not count), in host declaration order. */
export function simulateFailure(host: SimHost, guests: GuestNetwork[], failure: LinkFailure, options: SimOptions = {}): FailoverEntry[] {
  const alreadyDown = new Set(failure.alreadyDown);
  const faults = uplinkFaults(host, failure, options);
  for (const nic of alreadyDown) faults.delete(nic);
  return hostObjects(host, guests, options).flatMap(({ object, kind, legs }) => {
    const outcomes = legs.map((leg) => legOutcome(leg, faults, alreadyDown)).filter((outcome) => outcome !== null);
    if (!outcomes.length) return [];
    // A bridge over several independent ports stays connected while any of them does.
    const detections = outcomes.map((outcome) => outcome.detectSeconds);
    return [
      {
        object,
        kind,
        host: host.name,
        before: uplinkText(outcomes.flatMap((outcome) => outcome.before)),
        after: uplinkText(outcomes.flatMap((outcome) => outcome.after)),
        connected: outcomes.some((outcome) => outcome.connected),
        detectSeconds: detections.includes(null) ? null : Math.max(...(detections as number[])),
        recovery: outcomes.map((outcome) => outcome.recovery).join('; '),
        notes: [...new Set(outcomes.flatMap((outcome) => outcome.notes))],
      },
    ];
  });
}

/** Checks the failure against the host and says, per failed NIC, how it failed. */
function uplinkFaults(host: SimHost, failure: LinkFailure, options: SimOptions): Map<string, UplinkFault> {
  const byName = new Map(host.interfaces.map((spec) => [spec.name, spec]));
  const nics = host.interfaces.filter((spec) => spec.kind === 'physical').map((spec) => spec.name);
  const faults = new Map<string, UplinkFault>();
  failure.links.forEach((link, index) => {
    if (!nics.includes(link)) throw invalid(`failure.links.${index}`, `'${link}' is not a NIC of host ${host.name}; its NICs are ${nics.join(', ') || 'none'}`);
    faults.set(link, 'link');
  });
  (failure.switchDown ?? []).forEach((name, index) => {
    const behind = options.upstream?.[name] ?? (byName.has(name) ? nicsBeneath(name, byName) : null);
    if (!behind) {
      const upstream = Object.keys(options.upstream ?? {});
      throw invalid(`failure.switchDown.${index}`, `'${name}' is neither an upstream switch (${upstream.join(', ') || 'none declared'}) nor a switch, bond, bridge or NIC of host ${host.name}`);
    }
    // A NIC whose link is down has already failed the harder way.
    for (const nic of behind) if (!faults.has(nic)) faults.set(nic, 'upstream');
  });
  return faults;
}

function nicsBeneath(name: string, byName: Map<string, InterfaceSpec>): string[] {
  const spec = byName.get(name);
  if (!spec) return [];
  switch (spec.kind) {
    case 'physical':
      return [name];
    case 'bond':
      return spec.members;
    case 'vswitch':
    case 'dvswitch':
      return spec.uplinks;
    case 'vlan':
      return nicsBeneath(spec.parent, byName);
    case 'bridge':
      return spec.ports.flatMap((port) => nicsBeneath(port, byName));
    case 'portgroup':
      return nicsBeneath(spec.switch, byName);
    case 'vmk':
      return nicsBeneath(spec.attachment, byName);
  }
}

interface LegOutcome {
  before: string[];
  after: string[];
  connected: boolean;
  detectSeconds: number | null;
  recovery: string;
  notes: string[];
}

/** What one leg does, or null when none of its team's uplinks failed. */
function legOutcome(leg: Leg, faults: Map<string, UplinkFault>, alreadyDown: ReadonlySet<string>): LegOutcome | null {
  const { team } = leg;
  const failed = teamUplinks(team).filter((uplink) => faults.has(uplink));
  if (!failed.length) return null;
  const detection = new Map(failed.map((uplink) => [uplink, detectSeconds(team, faults.get(uplink)!)]));
  const noticed = new Set(failed.filter((uplink) => detection.get(uplink) !== null));
  const unnoticed = failed.filter((uplink) => !noticed.has(uplink));
  const before = carriers(leg, alreadyDown);
  const after = carriers(leg, new Set([...alreadyDown, ...noticed]));
  const down = teamUplinks(team).filter((uplink) => alreadyDown.has(uplink));
  const lost = after.filter((uplink) => unnoticed.includes(uplink));
  const connected = after.length > 0 && !lost.length;
  const times = [...detection.values()];
  return {
    before,
    after,
    connected,
    detectSeconds: times.includes(null) ? null : Math.max(...(times as number[])),
    recovery: recovery(team, before, after, failed, lost),
    notes: [...(down.length ? [`${down.join(' and ')} ${down.length === 1 ? 'was' : 'were'} already down`] : []), ...notes(team, before, after, faults, unnoticed)],
  };
}

/** Seconds until the team notices an uplink failure, or null when it cannot. */
function detectSeconds(team: Team, fault: UplinkFault): number | null {
  if (team.type === 'switch') {
    // Seed 000: a lost link fails over at once, with or without beacon probing.
    if (fault === 'link') return 0;
    return team.beacon && team.beacon.threshold > 0 ? team.beacon.intervalSeconds * team.beacon.threshold : null;
  }
  if (fault === 'upstream') return null;
  if (team.type === 'nic') return 0;
  return team.linkDetectMs === null ? null : team.linkDetectMs / 1000;
}

function recovery(team: Team, before: string[], after: string[], failed: string[], lost: string[]): string {
  if (lost.length) return `traffic on ${lost.join(' and ')} is lost until it is repaired: nothing fails over`;
  if (!after.length) return `reconnects when ${failed.join(' or ')} returns`;
  if (uplinkText(before) === uplinkText(after)) return `stays on ${uplinkText(after)}`;
  const returning = failed.join(' and ');
  // OVS moves source MACs back only when rebalancing finds the load uneven.
  if (team.type === 'bond' && team.ovsMode === 'balance-slb') return `stays on ${uplinkText(after)} until Open vSwitch rebalances load (every 10 s) once ${returning} returns`;
  if (before.length > 1) return `spreads over ${uplinkText(before)} again when ${returning} returns`;
  if (failsBack(team)) return `fails back to ${uplinkText(before)} when ${returning === uplinkText(before) ? 'it' : returning} returns`;
  if (team.type === 'switch') return `stays on ${uplinkText(after)}: failback off (rolling)`;
  return `stays on ${uplinkText(after)}: the bond has no primary to fail back to`;
}

/** Active-backup returns to its primary only; a vSwitch as its failback setting says. */
function failsBack(team: Team): boolean {
  if (team.type === 'switch') return team.failback;
  return team.type === 'bond' && team.primary !== null;
}

function notes(team: Team, before: string[], after: string[], faults: Map<string, UplinkFault>, unnoticed: string[]): string[] {
  const list: string[] = [];
  if (team.type === 'switch') list.push(...switchNotes(team, before, after, unnoticed));
  if (team.type === 'bond') list.push(...bondNotes(team, faults, unnoticed));
  if (team.type === 'nic') list.push(`${team.name} is the only uplink: nothing to fail over to`);
  const upstream = unnoticed.filter((uplink) => faults.get(uplink) === 'upstream');
  const watcher = team.type === 'bond' && team.ovsMode ? 'Open vSwitch' : 'the kernel';
  if (team.type !== 'switch' && upstream.length) list.push(`${upstream.join(' and ')} keeps its link up and ${watcher} watches carrier only: the upstream failure is not detected`);
  return list;
}

function switchNotes(team: SwitchTeam, before: string[], after: string[], unnoticed: string[]): string[] {
  const list: string[] = [];
  if (spreadPerFlow(team)) list.push(`IP hash spreads flows over ${uplinkText(before)}: no single uplink carries it`);
  if (unnoticed.length) {
    const why = team.beacon ? 'beacon probing is off (threshold 0)' : 'only link state is watched (no beacon probing)';
    list.push(`${unnoticed.join(' and ')} keeps its link up and ${why}: the upstream failure is not detected`);
  }
  if (!after.length && team.unused.length) list.push(`unused ${team.unused.join(', ')} never takes over`);
  return list;
}

function bondNotes(team: BondTeam, faults: Map<string, UplinkFault>, unnoticed: string[]): string[] {
  const list: string[] = [];
  const hash = hashPolicyNote(team);
  if (hash) list.push(hash);
  if (team.miimonForced) list.push(`miimon is not set: the kernel forces 100 ms for ${team.mode}`);
  // ovs-vswitchd takes the first enabled member of a hash map, not the first declared one.
  if (team.ovsMode === 'active-backup' && !team.primary) list.push(`${team.name} has no primary: Open vSwitch makes any enabled member active, not necessarily ${team.members[0]}; set primary to know which`);
  const unwatched = unnoticed.filter((uplink) => faults.get(uplink) === 'link');
  if (unwatched.length) list.push(`miimon is off: ${team.name} does not notice ${unwatched.join(' and ')} going down`);
  return list;
}
