/**
 * The uplink teams of one host and the objects that ride on them, as the failure simulation, the
 * balance view and the vMotion planner all see it: every port group, host IP interface (vmk), bond,
 * VLAN, bridge and guest vNIC is resolved down to the team (vSwitch / DVS teaming policy, Linux
 * bond, or a lone NIC) whose uplinks carry it, and `carriers` says which uplinks carry it while a
 * given set of uplinks is known to be down.
 *
 * Modelling assumptions (ESXi keeps the real values to itself):
 * - srcid: a port's virtual port id is its index among the switch's ports (vmks in declaration
 *   order, then guest vNICs in guest order); it uses active uplink number (id mod active count).
 * - srcmac: the last octet of the port's MAC mod the active count; a port without a known MAC
 *   falls back to its port index.
 * - After a failure the ports are spread again over what is left, as a hash mod n does.
 * - A failed active uplink is replaced by the first standby left, one for one (VMware's
 *   documented behaviour), so the active count stays as long as standbys last.
 * - A bond that is a port of an Open vSwitch bridge is run by ovs-vswitchd, not the bonding
 *   driver, in the OVS mode the ovs renderer gives it: it watches carrier as it changes (or by
 *   miimon when declared), and balance-slb pins each source MAC and VLAN to one member, picked in
 *   turn at first use and moved by load, so which member is not predictable.
 */
import { invalid } from '../domain/errors.ts';
import { BOND_MODES, failoverOrder, type InterfaceSpec, type TeamingPolicy, XMIT_HASH_POLICIES } from '../domain/interfaces.ts';
import type { Platform } from '../domain/model.ts';
import type { GuestNetwork } from '../render/files.ts';
import { ovsBond, type OvsBondMode } from '../render/ovs/index.ts';

export interface SimHost {
  name: string;
  platform: Platform;
  interfaces: InterfaceSpec[];
}

export interface BeaconSettings {
  intervalSeconds: number;
  /** 0 turns beacon failure detection off (seed 000). */
  threshold: number;
}

export interface SimOptions {
  /**
   * The host-wide beacon probing (ESXi's SwitchFailoverBeaconInterval and SwitchFailoverThreshold);
   * a switch or port group that declares its own failureDetection overrides it.
   */
  beacon?: BeaconSettings;
  /** Upstream physical switches by name and the host NICs cabled to each, for `switchDown`. */
  upstream?: Record<string, string[]>;
}

export type SimObjectKind = 'portgroup' | 'vmk' | 'vnic' | 'bond' | 'vlan' | 'bridge';

/** A vSwitch or DVS with the effective teaming policy of one port group. */
export interface SwitchTeam {
  type: 'switch';
  name: string;
  uplinks: string[];
  loadBalancing: 'srcid' | 'srcmac' | 'iphash' | 'explicit';
  active: string[];
  standby: string[];
  unused: string[];
  failback: boolean;
  /** Beacon probing settings, or null when only link state is watched. */
  beacon: BeaconSettings | null;
}

export interface BondTeam {
  type: 'bond';
  name: string;
  mode: (typeof BOND_MODES)[number];
  members: string[];
  primary: string | null;
  /**
   * Milliseconds until the bond notices a member lost its link: the MII monitor interval, 0 when
   * carrier changes are seen as they happen (Open vSwitch without miimon), null when nothing watches.
   */
  linkDetectMs: number | null;
  /** miimon was not set and the kernel forces 100 ms for this mode. */
  miimonForced: boolean;
  xmitHashPolicy: (typeof XMIT_HASH_POLICIES)[number];
  /** The Open vSwitch bond mode when an OVS bridge owns the bond; null for a kernel bond. */
  ovsMode: OvsBondMode | null;
}

/** A NIC carrying a stack on its own: nothing to fail over to. */
export interface NicTeam {
  type: 'nic';
  name: string;
}

export type Team = SwitchTeam | BondTeam | NicTeam;

/** One path from an object down to a team; a bridge over several ports has several. */
export interface Leg {
  team: Team;
  /** The object's virtual port on a switch team, or null for the port group as a whole. */
  port: { index: number; mac: string | null } | null;
}

export interface SimObject {
  object: string;
  kind: SimObjectKind;
  legs: Leg[];
}

/** Modes whose traffic is spread per flow over every member that is up. */
const HASHED_MODES: readonly string[] = ['balance-xor', '802.3ad'];
/** Modes that need link monitoring and get 100 ms from the kernel when miimon is not set. */
const MIIMON_FORCED_MODES: readonly string[] = ['802.3ad', 'balance-tlb', 'balance-alb'];

/** The uplinks a team may ever use: actives and standbys of a switch, members of a bond. */
export function teamUplinks(team: Team): string[] {
  if (team.type === 'switch') return [...team.active, ...team.standby];
  if (team.type === 'bond') return team.members;
  return [team.name];
}

/** Every uplink cabled to the team, unused ones included (what the balance view lists). */
export function cabledUplinks(team: Team): string[] {
  return team.type === 'switch' ? team.uplinks : teamUplinks(team);
}

/** Whether one object's traffic is spread per flow over several uplinks rather than pinned to one. */
export function spreadPerFlow(team: Team): boolean {
  if (team.type === 'switch') return team.loadBalancing === 'iphash';
  return team.type === 'bond' && team.mode !== 'active-backup';
}

/**
 * The uplinks carrying a leg's traffic while `down` uplinks are known to be down: one uplink, or
 * several when traffic is spread per flow (and, for a port group as a whole, per port). Empty when
 * nothing is left.
 */
export function carriers(leg: Leg, down: ReadonlySet<string>): string[] {
  const { team, port } = leg;
  if (team.type === 'nic') return down.has(team.name) ? [] : [team.name];
  if (team.type === 'bond') {
    const up = team.members.filter((member) => !down.has(member));
    if (team.mode !== 'active-backup') return up;
    const primary = team.primary && !down.has(team.primary) ? team.primary : up[0];
    return primary ? [primary] : [];
  }
  const survivors = team.active.filter((uplink) => !down.has(uplink));
  const replacements = team.standby.filter((uplink) => !down.has(uplink)).slice(0, team.active.length - survivors.length);
  const active = [...survivors, ...replacements];
  if (!active.length) return [];
  if (team.loadBalancing === 'explicit') return [active[0]!];
  if (team.loadBalancing === 'iphash' || !port) return active;
  const key = team.loadBalancing === 'srcmac' && port.mac ? parseInt(port.mac.slice(-2), 16) : port.index;
  return [active[key % active.length]!];
}

/**
 * Resolves every port group, vmk, bond, VLAN, bridge and guest vNIC of the host to the teams that
 * carry it, in declaration order (guest vNICs last). Objects with no uplink beneath are left out.
 */
export function hostObjects(host: SimHost, guests: GuestNetwork[], options: SimOptions = {}): SimObject[] {
  const byName = new Map(host.interfaces.map((spec) => [spec.name, spec]));
  const ovsPorts = new Set(host.interfaces.flatMap((spec) => (spec.kind === 'bridge' && spec.flavor === 'ovs' ? spec.ports : [])));
  const ports = switchPorts(host, guests, byName);

  const legsOf = (name: string): Leg[] => {
    const spec = byName.get(name);
    if (!spec) return [];
    switch (spec.kind) {
      case 'physical':
        return [{ team: { type: 'nic', name }, port: null }];
      case 'bond':
        return [{ team: bondTeam(spec, ovsPorts.has(name)), port: null }];
      case 'vlan':
        return legsOf(spec.parent);
      case 'bridge':
        return spec.ports.flatMap((port) => legsOf(port));
      case 'portgroup': {
        const owner = byName.get(spec.switch);
        if (owner?.kind === 'bridge') return legsOf(owner.name);
        if (owner?.kind !== 'vswitch' && owner?.kind !== 'dvswitch') return [];
        return [{ team: switchTeam(owner.name, owner.uplinks, owner.teaming, spec.teaming, options), port: null }];
      }
      case 'vmk':
        return legsOf(spec.attachment);
      case 'vswitch':
      case 'dvswitch':
        return [];
    }
  };

  /** A port (vmk or vNIC) on a switch team gets its virtual port; elsewhere its legs are the stack's. */
  const portLegs = (object: string, attachment: string, mac: string | null): Leg[] =>
    legsOf(attachment).map((leg) => {
      if (leg.team.type !== 'switch') return leg;
      return { ...leg, port: { index: ports.get(leg.team.name)!.indexOf(object), mac } };
    });

  const objects: SimObject[] = [];
  for (const spec of host.interfaces) {
    const kind = spec.kind;
    if (kind === 'physical' || kind === 'vswitch' || kind === 'dvswitch') continue;
    const legs = spec.kind === 'vmk' ? portLegs(spec.name, spec.attachment, spec.mac ?? null) : legsOf(spec.name);
    if (legs.length) objects.push({ object: spec.name, kind, legs });
  }
  for (const { object, attachment, mac } of guestPorts(host, guests, byName)) {
    const legs = portLegs(object, attachment, mac);
    if (legs.length) objects.push({ object, kind: 'vnic', legs });
  }
  return objects;
}

/** A guest vNIC is named `vm/mac`, as the store identifies it. */
function guestPorts(host: SimHost, guests: GuestNetwork[], byName: Map<string, InterfaceSpec>) {
  return guests.flatMap((guest) =>
    guest.nics.flatMap((nic, index) => {
      if (nic.attachment === null) return [];
      const target = byName.get(nic.attachment);
      if (target?.kind !== 'portgroup' && target?.kind !== 'bridge') {
        throw invalid(`guests.${guest.name}.nics.${index}.attachment`, `'${nic.attachment}' is not a port group or bridge of host ${host.name}`);
      }
      return [{ object: `${guest.name}/${nic.mac}`, attachment: nic.attachment, mac: nic.mac }];
    }),
  );
}

/** The ports of each vSwitch / DVS in virtual port order: vmks as declared, then guest vNICs. */
function switchPorts(host: SimHost, guests: GuestNetwork[], byName: Map<string, InterfaceSpec>): Map<string, string[]> {
  const ports = new Map<string, string[]>();
  const add = (object: string, attachment: string) => {
    const portgroup = byName.get(attachment);
    if (portgroup?.kind !== 'portgroup') return;
    ports.set(portgroup.switch, [...(ports.get(portgroup.switch) ?? []), object]);
  };
  for (const spec of host.interfaces) if (spec.kind === 'vmk') add(spec.name, spec.attachment);
  for (const { object, attachment } of guestPorts(host, guests, byName)) add(object, attachment);
  return ports;
}

/**
 * A port group's effective policy: each field of its override wins over the switch's, except the
 * failover order, which is overridden as a whole (active, standby and unused together, as the
 * vSphere client does). Uplinks an order leaves out are unused; with no order all are active.
 */
function switchTeam(name: string, uplinks: string[], switchPolicy: TeamingPolicy | undefined, override: TeamingPolicy | undefined, options: SimOptions): SwitchTeam {
  const merged = { ...switchPolicy, ...override };
  const { active, standby, unused } = failoverOrder(uplinks, switchPolicy, override);
  const detection = merged.failureDetection;
  return {
    type: 'switch',
    name,
    uplinks,
    // srcid is vSphere's default ("route based on originating virtual port").
    loadBalancing: merged.loadBalancing ?? 'srcid',
    active,
    standby,
    unused,
    failback: merged.failback ?? true,
    beacon: detection ? (detection.mode === 'beacon' ? { intervalSeconds: detection.intervalSeconds, threshold: detection.threshold } : null) : (options.beacon ?? null),
  };
}

/** `onOvsBridge`: the bond is a port of an Open vSwitch bridge (modes OVS lacks are refused when rendering, so those stay kernel bonds here). */
function bondTeam(spec: Extract<InterfaceSpec, { kind: 'bond' }>, onOvsBridge: boolean): BondTeam {
  const ovsMode = onOvsBridge ? (ovsBond(spec)?.bondMode ?? null) : null;
  const monitored = (spec.miimon ?? 0) > 0;
  // ovs-vswitchd watches carrier unless told to poll with miimon; only the kernel forces 100 ms.
  const forced = !monitored && !ovsMode && MIIMON_FORCED_MODES.includes(spec.mode);
  return {
    type: 'bond',
    name: spec.name,
    mode: spec.mode,
    members: spec.members,
    primary: spec.mode === 'active-backup' ? (spec.primary ?? null) : null,
    linkDetectMs: monitored ? spec.miimon! : forced ? 100 : ovsMode ? 0 : null,
    miimonForced: forced,
    xmitHashPolicy: HASHED_MODES.includes(spec.mode) ? (spec.xmitHashPolicy ?? 'layer2') : 'layer2',
    ovsMode,
  };
}

/** What the transmit hash policy (or Open vSwitch's balancing) means for a guest's traffic, for the notes of balancing bonds. */
export function hashPolicyNote(team: BondTeam): string | null {
  if (team.ovsMode === 'balance-slb') return 'Open vSwitch balance-slb: each source MAC and VLAN is pinned to one member, picked in turn at first use and moved by load every 10 s, so which member carries a guest is not predictable';
  if (team.ovsMode === 'balance-tcp') return 'Open vSwitch balance-tcp (LACP): each L3/L4 flow hashes to one member, so one guest spreads its flows over the members';
  if (!HASHED_MODES.includes(team.mode)) return null;
  const meaning: Record<BondTeam['xmitHashPolicy'], string> = {
    layer2: 'each peer MAC hashes to one member, so traffic to one gateway stays on one member',
    'layer2+3': 'each pair of MACs and IPs hashes to one member, so traffic to one peer stays on one member',
    'layer3+4': 'each TCP/UDP flow hashes to one member, so one guest spreads its flows over the members',
    'encap2+3': 'like layer2+3, on the inner headers of tunnelled traffic',
    'encap3+4': 'like layer3+4, on the inner headers of tunnelled traffic',
    'vlan+srcmac': 'each VLAN and source MAC hashes to one member',
  };
  return `xmit_hash_policy ${team.xmitHashPolicy}: ${meaning[team.xmitHashPolicy]}`;
}

/** The names an uplink list is shown with: one uplink, or several joined by '+'. */
export function uplinkText(uplinks: string[]): string | null {
  return uplinks.length ? uplinks.join('+') : null;
}
