/**
 * A host's network as one graph of interfaces, as MAAS models it: every interface has a kind, its
 * parents (by name, on the same host) and kind-specific parameters. The same graph describes an
 * ESXi host (vmnic -> vSwitch -> port group -> vmk), an Oracle VM host (eth -> bond -> VLAN ->
 * bridge) and a KVM host (eth -> bridge, or OVS bridge with tagged ports).
 */
import { z } from 'zod';
import { parseInterfaceAddress } from './address.ts';
import { HostwireError, type FieldError } from './errors.ts';

export const INTERFACE_KINDS = ['physical', 'bond', 'vlan', 'bridge', 'vswitch', 'dvswitch', 'portgroup', 'vmk'] as const;
export type InterfaceKind = (typeof INTERFACE_KINDS)[number];

export const LOAD_BALANCING = ['srcid', 'srcmac', 'iphash', 'explicit'] as const;
export const BOND_MODES = ['balance-rr', 'active-backup', 'balance-xor', 'broadcast', '802.3ad', 'balance-tlb', 'balance-alb'] as const;
export const LACP_RATES = ['slow', 'fast'] as const;

/** Which bonding options a mode uses; renderers drop the others, as MAAS does for lacp_rate. */
export const BOND_OPTION_MODES: Record<'lacpRate' | 'xmitHashPolicy' | 'primary', readonly string[]> = {
  lacpRate: ['802.3ad'],
  xmitHashPolicy: ['balance-xor', '802.3ad', 'balance-tlb'],
  primary: ['active-backup', 'balance-tlb', 'balance-alb'],
};
export const XMIT_HASH_POLICIES = ['layer2', 'layer2+3', 'layer3+4', 'encap2+3', 'encap3+4', 'vlan+srcmac'] as const;
export const VMK_SERVICES = ['management', 'vmotion', 'vsan', 'ft', 'iscsi', 'nfs', 'provisioning', 'replication'] as const;

const name = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9_.:@ -]*$/, 'letters, digits and _ . : @ - or space, starting with a letter or digit');
const mac = z
  .string()
  .regex(/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/, 'a MAC address such as 00:50:56:aa:bb:cc')
  .transform((value) => value.toLowerCase().replaceAll('-', ':'));
const mtu = z.number().int().min(68).max(9216);
const vlanId = z.number().int().min(1).max(4094);
/** An interface address with its prefix length, e.g. 172.16.1.51/24; checked by validateInterfaceGraph. */
const interfaceAddress = z.string().min(3).max(64);

/** Failure detection: link state, or beacon probing where interval x threshold is the detection time. */
export const FailureDetectionSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('link') }).strict(),
  z
    .object({
      mode: z.literal('beacon'),
      intervalSeconds: z.number().int().min(1).max(3600),
      /** 0 disables beacon failure detection (seed 000). */
      threshold: z.number().int().min(0).max(100),
    })
    .strict(),
]);

export const TeamingPolicySchema = z
  .object({
    loadBalancing: z.enum(LOAD_BALANCING).optional(),
    active: z.array(name).optional(),
    standby: z.array(name).optional(),
    unused: z.array(name).optional(),
    failback: z.boolean().optional(),
    notifySwitches: z.boolean().optional(),
    failureDetection: FailureDetectionSchema.optional(),
  })
  .strict();
export type TeamingPolicy = z.infer<typeof TeamingPolicySchema>;

/** Every uplink of a team is in exactly one list; "unused" is being in neither of the other two. */
export interface FailoverOrder {
  active: string[];
  standby: string[];
  unused: string[];
}

/** Whether a teaming policy names a failover order (any of active, standby, unused). */
export const declaresFailoverOrder = (teaming: TeamingPolicy | undefined) => Boolean(teaming?.active || teaming?.standby || teaming?.unused);

/**
 * The failover order a switch, or a port group on it, runs with; the audit, the simulation and the
 * ESXi renderers all read it here. A teaming policy names only the lists that differ from what it
 * inherits: a named list replaces the inherited one, an unnamed list is the inherited one less the
 * uplinks named elsewhere, and what is in no list is unused (as the vSphere client shows it). A
 * switch inherits every uplink active; a port group inherits its switch's order. A synced port
 * group that overrides vCenter's order names both its active and standby lists, so it inherits nothing.
 */
export function failoverOrder(uplinks: string[], switchTeaming?: TeamingPolicy, portgroupTeaming?: TeamingPolicy): FailoverOrder {
  const ofSwitch = inheritOrder(uplinks, switchTeaming, { active: uplinks, standby: [], unused: [] });
  return portgroupTeaming ? inheritOrder(uplinks, portgroupTeaming, ofSwitch) : ofSwitch;
}

function inheritOrder(uplinks: string[], declared: TeamingPolicy | undefined, base: FailoverOrder): FailoverOrder {
  const named = new Set([...(declared?.active ?? []), ...(declared?.standby ?? []), ...(declared?.unused ?? [])]);
  const active = (declared?.active ?? base.active.filter((uplink) => !named.has(uplink))).filter((uplink) => uplinks.includes(uplink));
  const standby = (declared?.standby ?? base.standby.filter((uplink) => !named.has(uplink))).filter((uplink) => uplinks.includes(uplink) && !active.includes(uplink));
  return { active, standby, unused: uplinks.filter((uplink) => !active.includes(uplink) && !standby.includes(uplink)) };
}

const common = { name, mtu: mtu.optional(), description: z.string().max(500).optional() };
const l3 = { addresses: z.array(interfaceAddress).optional() };

export const InterfaceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('physical'),
      ...common,
      ...l3,
      mac: mac.optional(),
      speedMbps: z.number().int().min(1).optional(),
      driver: z.string().max(64).optional(),
      capabilities: z.array(z.string().max(64)).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('bond'),
      ...common,
      ...l3,
      /** `team` for the teaming driver, `bond` for the bonding driver. */
      driver: z.enum(['bond', 'team']).default('bond'),
      members: z.array(name).min(1),
      mode: z.enum(BOND_MODES),
      miimon: z.number().int().min(0).max(60000).optional(),
      lacpRate: z.enum(LACP_RATES).optional(),
      xmitHashPolicy: z.enum(XMIT_HASH_POLICIES).optional(),
      primary: name.optional(),
      /** Free text: how the switch side is configured (port-channel, LACP), for bond modes that need it. */
      switchNote: z.string().max(500).optional(),
    })
    .strict(),
  z.object({ kind: z.literal('vlan'), ...common, ...l3, parent: name, vlan: vlanId }).strict(),
  z
    .object({
      kind: z.literal('bridge'),
      ...common,
      ...l3,
      flavor: z.enum(['linux', 'ovs']).default('linux'),
      ports: z.array(name),
      stp: z.boolean().optional(),
      forwardDelay: z.number().int().min(0).max(30).optional(),
      /** VLAN filtering on the bridge itself (Proxmox `bridge-vlan-aware`): its ports are trunks. */
      vlanAware: z.boolean().optional(),
      /** The VLANs a VLAN-aware bridge carries on its ports: single ids and ranges. */
      vids: z.array(z.union([vlanId, z.object({ first: vlanId, last: vlanId }).strict()])).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('vswitch'),
      ...common,
      uplinks: z.array(name),
      ports: z.number().int().min(8).max(4096).optional(),
      teaming: TeamingPolicySchema.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('dvswitch'),
      ...common,
      /** The host's physical NICs given to the distributed switch as uplinks. */
      uplinks: z.array(name),
      externalId: z.string().max(200).optional(),
      teaming: TeamingPolicySchema.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('portgroup'),
      ...common,
      switch: name,
      /** 0 untagged, 1-4094 tagged, 4095 trunk (virtual guest tagging). */
      vlan: z.number().int().min(0).max(4095),
      trunk: z.array(z.object({ first: z.number().int().min(0).max(4094), last: z.number().int().min(0).max(4094) }).strict()).optional(),
      pvlan: z.number().int().min(1).max(4094).optional(),
      teaming: TeamingPolicySchema.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('vmk'),
      ...common,
      ...l3,
      /** The port group (VMware) or bridge (Linux) the host IP interface sits on. */
      attachment: name,
      mac: mac.optional(),
      services: z.array(z.enum(VMK_SERVICES)).default([]),
    })
    .strict(),
]);
export type InterfaceSpec = z.infer<typeof InterfaceSchema>;

/** The parents an interface names, with the role each plays: the edges of the graph. */
export function interfaceParents(spec: InterfaceSpec): { name: string; role: string }[] {
  switch (spec.kind) {
    case 'physical':
      return [];
    case 'bond':
      return spec.members.map((member) => ({ name: member, role: 'member' }));
    case 'vlan':
      return [{ name: spec.parent, role: 'parent' }];
    case 'bridge':
      return spec.ports.map((port) => ({ name: port, role: 'port' }));
    case 'vswitch':
    case 'dvswitch':
      return spec.uplinks.map((uplink) => ({ name: uplink, role: 'uplink' }));
    case 'portgroup':
      return [{ name: spec.switch, role: 'switch' }];
    case 'vmk':
      return [{ name: spec.attachment, role: 'attachment' }];
  }
}

/**
 * MTU along the whole stack: a bridge or VLAN at 9000 needs its bond and NICs at 9000 too, or the
 * kernel clamps it. Each interface gets the largest MTU of anything stacked on it.
 */
export function stackMtus(specs: InterfaceSpec[]): Map<string, number> {
  const mtus = new Map<string, number>();
  for (const spec of specs) if (spec.mtu !== undefined) mtus.set(spec.name, spec.mtu);
  for (let changed = true; changed; ) {
    changed = false;
    for (const spec of specs) {
      const mtu = mtus.get(spec.name);
      if (mtu === undefined) continue;
      for (const parent of interfaceParents(spec)) {
        if (!['member', 'parent', 'port'].includes(parent.role)) continue;
        if ((mtus.get(parent.name) ?? 0) < mtu) {
          mtus.set(parent.name, mtu);
          changed = true;
        }
      }
    }
  }
  return mtus;
}

export type VlanIdList = NonNullable<Extract<InterfaceSpec, { kind: 'bridge' }>['vids']>;

/** A VLAN id list as sorted, merged ranges: [30, {first: 10, last: 20}, 21] is 10-21 and 30. */
export function vlanRanges(vids: VlanIdList): { first: number; last: number }[] {
  const ranges = vids.map((vid) => (typeof vid === 'number' ? { first: vid, last: vid } : { ...vid })).sort((a, b) => a.first - b.first);
  const merged: { first: number; last: number }[] = [];
  for (const range of ranges) {
    const previous = merged.at(-1);
    if (previous && range.first <= previous.last + 1) previous.last = Math.max(previous.last, range.last);
    else merged.push(range);
  }
  return merged;
}

/** The merged ranges written as ifupdown2 and Proxmox write them: ['10-21', '30']. */
export function vlanRangeTexts(vids: VlanIdList): string[] {
  return vlanRanges(vids).map(({ first, last }) => (first === last ? String(first) : `${first}-${last}`));
}

/** Which kinds each edge role may point at. */
const allowedParentKinds: Record<string, readonly InterfaceKind[]> = {
  member: ['physical'],
  parent: ['physical', 'bond'],
  port: ['physical', 'bond', 'vlan'],
  uplink: ['physical'],
  // A bridge as switch is a libvirt network portgroup or an OVS port tag on a KVM/Xen host.
  switch: ['vswitch', 'dvswitch', 'bridge'],
  attachment: ['portgroup', 'bridge'],
};

/** The kinds each platform's network is built from: ESXi has no bonds or bridges, Linux hosts no vSwitches. */
const PLATFORM_KINDS: Record<'esxi' | 'linux', readonly InterfaceKind[]> = {
  esxi: ['physical', 'vswitch', 'dvswitch', 'portgroup', 'vmk'],
  linux: ['physical', 'bond', 'vlan', 'bridge', 'portgroup', 'vmk'],
};

/** Checks that every interface kind exists on the platform (esxi, or a Linux-based kvm / xen / ovm). */
export function validatePlatformKinds(platform: string, specs: InterfaceSpec[]): FieldError[] {
  const family = platform === 'esxi' ? 'esxi' : 'linux';
  const allowed = PLATFORM_KINDS[family];
  return specs.flatMap((spec, index) =>
    allowed.includes(spec.kind)
      ? []
      : [{ path: `interfaces.${index}.kind`, message: `${spec.name} is a ${spec.kind}, which a ${platform} host does not have; use one of: ${allowed.join(', ')}` }],
  );
}

export interface GraphOptions {
  /**
   * The set was observed on a live host (a sync), not declared: teaming that names NICs outside its
   * switch is recorded as found, for the audit to report, instead of being refused.
   */
  observed?: boolean;
}

/**
 * Checks a host's interface set as a whole: unique names, every parent exists and has a kind the
 * edge allows, no interface is enslaved twice (one bond or one switch per NIC), teaming names only
 * uplinks of its switch, and the graph has no cycle. Returns every problem, not just the first.
 */
export function validateInterfaceGraph(specs: InterfaceSpec[], options: GraphOptions = {}): FieldError[] {
  const errors: FieldError[] = [];
  const byName = new Map<string, InterfaceSpec>();
  specs.forEach((spec, index) => {
    if (byName.has(spec.name)) errors.push({ path: `interfaces.${index}.name`, message: `'${spec.name}' is declared twice` });
    byName.set(spec.name, spec);
  });
  const exclusiveOwner = new Map<string, string>();
  specs.forEach((spec, index) => {
    for (const parent of interfaceParents(spec)) {
      const target = byName.get(parent.name);
      const path = `interfaces.${index}`;
      if (!target) {
        errors.push({ path, message: `${spec.name} names '${parent.name}' as its ${parent.role}, but no interface has that name` });
        continue;
      }
      const allowed = allowedParentKinds[parent.role]!;
      if (!allowed.includes(target.kind)) {
        errors.push({ path, message: `${spec.name}'s ${parent.role} '${parent.name}' is a ${target.kind}; it must be one of: ${allowed.join(', ')}` });
      }
      if (parent.role === 'member' || parent.role === 'uplink' || parent.role === 'port') {
        const owner = exclusiveOwner.get(parent.name);
        if (owner && owner !== spec.name) errors.push({ path, message: `'${parent.name}' is already used by ${owner}; an interface can belong to one bond, switch or bridge` });
        exclusiveOwner.set(parent.name, spec.name);
      }
    }
    if (!options.observed && (spec.kind === 'vswitch' || spec.kind === 'dvswitch' || spec.kind === 'portgroup')) {
      const uplinks = spec.kind === 'portgroup' ? uplinksOf(byName.get(spec.switch)) : spec.uplinks;
      errors.push(...validateTeaming(spec.teaming, uplinks, `interfaces.${index}.teaming`));
    }
    const parentNames = interfaceParents(spec).map((parent) => parent.name);
    const repeated = parentNames.filter((parentName, position) => parentNames.indexOf(parentName) !== position);
    if (repeated.length) errors.push({ path: `interfaces.${index}`, message: `${spec.name} lists ${[...new Set(repeated)].join(', ')} more than once` });
    if ('addresses' in spec) {
      (spec.addresses ?? []).forEach((address, position) => {
        try {
          parseInterfaceAddress(address, `interfaces.${index}.addresses.${position}`);
        } catch (error) {
          if (error instanceof HostwireError) errors.push(...error.fields);
          else throw error;
        }
      });
    }
    if (spec.kind === 'portgroup') {
      (spec.trunk ?? []).forEach((range, position) => {
        if (range.first > range.last) errors.push({ path: `interfaces.${index}.trunk.${position}`, message: `VLAN range ${range.first}-${range.last} starts after it ends` });
      });
    }
    // STP's forward delay is 2-30 s (the kernel refuses less with STP on); NetworkManager takes 0 only with STP off.
    if (spec.kind === 'bridge' && spec.forwardDelay !== undefined && spec.forwardDelay < 2 && (spec.stp || spec.forwardDelay === 1)) {
      errors.push({ path: `interfaces.${index}.forwardDelay`, message: `${spec.name} has a forward delay of ${spec.forwardDelay} s; use 2-30 s, or 0 with STP off` });
    }
    if (spec.kind === 'bridge') errors.push(...validateVlanAware(spec, `interfaces.${index}`));
    if (spec.kind === 'bond' && spec.primary && !spec.members.includes(spec.primary)) {
      errors.push({ path: `interfaces.${index}.primary`, message: `'${spec.primary}' is not a member of ${spec.name}` });
    }
  });
  if (!options.observed) errors.push(...validateStack(specs, byName));
  const cycle = findCycle(specs, byName);
  if (cycle) errors.push({ path: 'interfaces', message: `the interfaces form a cycle: ${cycle.join(' -> ')}` });
  return errors;
}

/**
 * Rules of a stack that would not come up as declared: an address on a bond slave or bridge port
 * (it belongs on the bond or bridge), and a child MTU above its parent's (a VLAN above its bond,
 * a bond above its NICs, a bridge above its ports, a vmk above its vSwitch).
 */
function validateStack(specs: InterfaceSpec[], byName: Map<string, InterfaceSpec>): FieldError[] {
  const errors: FieldError[] = [];
  specs.forEach((spec, index) => {
    for (const parent of interfaceParents(spec)) {
      const target = byName.get(parent.name);
      if (!target) continue;
      if ((parent.role === 'member' || parent.role === 'port') && 'addresses' in target && target.addresses?.length) {
        errors.push({ path: `interfaces.${specs.indexOf(target)}.addresses`, message: `${target.name} is a ${parent.role === 'member' ? 'member of bond' : 'port of bridge'} ${spec.name}: put its address on ${spec.name}` });
      }
      // A VLAN-aware bridge tags and untags itself: a VLAN interface as its port would tag twice.
      if (spec.kind === 'bridge' && spec.vlanAware && parent.role === 'port' && target.kind === 'vlan') {
        errors.push({ path: `interfaces.${index}.ports`, message: `${spec.name} is VLAN-aware, so its port ${target.name} must be a trunk (a NIC or bond), not a VLAN interface; list VLAN ${target.vlan} in vids instead` });
      }
      // A vmk's MTU is bounded by its port group's switch; a port group has none of its own.
      const bound = target.kind === 'portgroup' ? byName.get(target.switch) : target;
      if (spec.mtu !== undefined && bound?.mtu !== undefined && spec.mtu > bound.mtu && parent.role !== 'uplink') {
        errors.push({ path: `interfaces.${index}.mtu`, message: `${spec.name} has MTU ${spec.mtu}, above the ${bound.mtu} of ${bound.name} beneath it` });
      }
    }
  });
  return errors;
}

/** A VLAN id list only means something on a VLAN-aware Linux bridge, and each range must run forwards. */
function validateVlanAware(spec: Extract<InterfaceSpec, { kind: 'bridge' }>, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (spec.vlanAware && spec.flavor === 'ovs') errors.push({ path: `${path}.vlanAware`, message: `${spec.name} is an Open vSwitch bridge, which filters VLANs by port tags; vlanAware applies to linux bridges` });
  if (spec.vids?.length && !spec.vlanAware) errors.push({ path: `${path}.vids`, message: `${spec.name} lists vids but is not VLAN-aware; set vlanAware: true or drop vids` });
  (spec.vids ?? []).forEach((vid, position) => {
    if (typeof vid !== 'number' && vid.first > vid.last) errors.push({ path: `${path}.vids.${position}`, message: `VLAN range ${vid.first}-${vid.last} starts after it ends` });
  });
  return errors;
}

function uplinksOf(spec: InterfaceSpec | undefined): string[] {
  return spec && (spec.kind === 'vswitch' || spec.kind === 'dvswitch') ? spec.uplinks : [];
}

function validateTeaming(teaming: TeamingPolicy | undefined, uplinks: string[], path: string): FieldError[] {
  if (!teaming) return [];
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const list of ['active', 'standby', 'unused'] as const) {
    for (const nic of teaming[list] ?? []) {
      if (!uplinks.includes(nic)) errors.push({ path: `${path}.${list}`, message: `'${nic}' is not an uplink of the switch (uplinks: ${uplinks.join(', ') || 'none'})` });
      if (seen.has(nic)) errors.push({ path: `${path}.${list}`, message: `'${nic}' appears in more than one of active, standby and unused` });
      seen.add(nic);
    }
  }
  return errors;
}

function findCycle(specs: InterfaceSpec[], byName: Map<string, InterfaceSpec>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (nodeName: string): string[] | null => {
    const mark = state.get(nodeName);
    if (mark === 'done') return null;
    if (mark === 'visiting') return [...stack.slice(stack.indexOf(nodeName)), nodeName];
    state.set(nodeName, 'visiting');
    stack.push(nodeName);
    const spec = byName.get(nodeName);
    for (const parent of spec ? interfaceParents(spec) : []) {
      if (!byName.has(parent.name)) continue;
      const found = visit(parent.name);
      if (found) return found;
    }
    stack.pop();
    state.set(nodeName, 'done');
    return null;
  };
  for (const spec of specs) {
    const found = visit(spec.name);
    if (found) return found;
  }
  return null;
}

/** Parses and validates a host's full interface list, throwing one error that lists every problem. */
export function parseInterfaceSet(input: unknown, platform?: string, options: GraphOptions = {}): InterfaceSpec[] {
  const parsed = z.array(InterfaceSchema).safeParse(input);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => ({ path: ['interfaces', ...issue.path].join('.'), message: issue.message }));
    throw new HostwireError('validation', `the interface list is invalid: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`, fields);
  }
  const errors = [...(platform ? validatePlatformKinds(platform, parsed.data) : []), ...validateInterfaceGraph(parsed.data, options)];
  if (errors.length) throw new HostwireError('validation', `the interface graph is invalid: ${errors.map((f) => `${f.path}: ${f.message}`).join('; ')}`, errors);
  return parsed.data;
}
