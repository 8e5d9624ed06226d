/**
 * Open vSwitch: one shell script (`ovs/<host>-ovs.sh`) of idempotent `ovs-vsctl --may-exist`
 * commands for the host's OVS bridges, followed each time by `set` so that a second run converges
 * on the declaration instead of keeping what an earlier run left. The model maps as follows:
 *
 * - bridge with flavor ovs -> `add-br`, `stp_enable`, `other_config:stp-forward-delay` (with STP),
 *   and `datapath_type`: `system` (the kernel module) unless the caller asks for `netdev`, the
 *   userspace datapath of hosts and namespaces without the module.
 * - its bond port -> `add-bond` over the members; the Linux bonding mode maps to what OVS has:
 *   802.3ad -> `lacp=active bond_mode=balance-tcp` (balance-slb for the layer2 / vlan+srcmac hash,
 *   which balances on source MAC as OVS's SLB does), active-backup -> `active-backup` (primary ->
 *   `other_config:bond-primary`), balance-tlb -> `balance-slb` (both spread by source MAC and need
 *   nothing from the switch). balance-rr, balance-xor, broadcast and balance-alb have no OVS
 *   equivalent and are refused. lacpRate -> `other_config:lacp-time`, miimon ->
 *   `bond-detect-mode=miimon` + `bond-miimon-interval`.
 * - its physical port -> `add-port`. Physical and bond ports are the uplinks: when the bridge has
 *   port groups they trunk exactly those VLANs (`trunks=`: each port group's VLAN, a 4095 port
 *   group's trunk ranges, and 0 when untagged traffic lives on the bridge); a 4095 port group
 *   without ranges, or no port group at all, leaves them carrying every VLAN.
 * - a port group (switch = the bridge) is a VLAN on that trunk. Guests' ports are added by libvirt
 *   or Xen when a guest starts (their tap names are not known before), so it renders no port.
 * - a vmk on such a port group -> an internal port named after the vmk with `tag=` its VLAN, and
 *   `ip address replace` / `ip link set up` for its addresses. Addresses on the bridge (or a vmk
 *   attached to the bridge itself) go untagged on the bridge's own internal port.
 * - MTU -> `mtu_request` on every OVS interface along the stack (NICs, bridge port, internal ports).
 *
 * Refused, naming the interface: bond modes without equivalent; a kernel VLAN interface on or as an
 * OVS port (OVS owns that device; tag with a port group instead); a vmk on a trunk port group; a
 * private VLAN or per-port-group teaming (ESXi features); names that cannot be Linux devices.
 */
import { parseInterfaceAddress } from '../../domain/address.ts';
import { HostwireError, type FieldError } from '../../domain/errors.ts';
import { stackMtus, type InterfaceSpec } from '../../domain/interfaces.ts';
import { addressesByInterface, type RenderedFile, type RenderInput } from '../files.ts';

type Bond = Extract<InterfaceSpec, { kind: 'bond' }>;
type Bridge = Extract<InterfaceSpec, { kind: 'bridge' }>;
type PortGroup = Extract<InterfaceSpec, { kind: 'portgroup' }>;
type Vmk = Extract<InterfaceSpec, { kind: 'vmk' }>;

export interface OvsRenderOptions {
  /** `netdev` runs the bridges in ovs-vswitchd's userspace datapath, for hosts without the openvswitch kernel module. */
  datapathType?: 'system' | 'netdev';
}

export type OvsBondMode = 'active-backup' | 'balance-slb' | 'balance-tcp';

/** The OVS bond each Linux bonding mode becomes; a mode missing here has no OVS equivalent. */
const OVS_BOND_MODES: Partial<Record<Bond['mode'], { lacp: 'active' | 'off'; bondMode: OvsBondMode }>> = {
  '802.3ad': { lacp: 'active', bondMode: 'balance-tcp' },
  'active-backup': { lacp: 'off', bondMode: 'active-backup' },
  'balance-tlb': { lacp: 'off', bondMode: 'balance-slb' },
};
/** Hash policies that balance on MAC addresses only: SLB is their OVS counterpart under LACP. */
const MAC_HASH_POLICIES: readonly string[] = ['layer2', 'vlan+srcmac'];
/** Letters, digits, _ . -, not leading with . or -: a word the shell takes as is and no command takes for an option. */
const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** A Linux device name: IFNAMSIZ is 16 with the closing NUL. */
const DEVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

/**
 * The OVS bond a declared bond becomes on an Open vSwitch bridge, or null when OVS has no
 * equivalent of its mode. The failure simulation models an OVS-owned bond by it too.
 */
export function ovsBond(bond: Bond): { lacp: 'active' | 'off'; bondMode: OvsBondMode } | null {
  const mapped = OVS_BOND_MODES[bond.mode];
  if (!mapped) return null;
  const macHashed = bond.mode === '802.3ad' && bond.xmitHashPolicy !== undefined && MAC_HASH_POLICIES.includes(bond.xmitHashPolicy);
  return macHashed ? { ...mapped, bondMode: 'balance-slb' } : mapped;
}

function bondColumns(bond: Bond): string[] {
  const { lacp, bondMode } = ovsBond(bond)!;
  return [
    `lacp=${lacp}`,
    `bond_mode=${bondMode}`,
    ...(bond.mode === '802.3ad' && bond.lacpRate ? [`other_config:lacp-time=${bond.lacpRate}`] : []),
    ...(bond.mode === 'active-backup' && bond.primary ? [`other_config:bond-primary=${bond.primary}`] : []),
    ...(bond.miimon ? ['other_config:bond-detect-mode=miimon', `other_config:bond-miimon-interval=${bond.miimon}`] : []),
  ];
}

/** The address rebuilt from its parsed parts, so that only address characters reach the shell. */
function canonicalAddress(text: string): string {
  const { address, prefix } = parseInterfaceAddress(text);
  return `${address.text}/${prefix.length}`;
}

/** The VLANs the bridge's uplinks trunk, or null when they carry every VLAN. */
function uplinkTrunks(portGroups: PortGroup[], untagged: boolean): number[] | null {
  if (!portGroups.length || portGroups.some((group) => group.vlan === 4095 && !group.trunk?.length)) return null;
  const vlans = new Set<number>(untagged ? [0] : []);
  for (const group of portGroups) {
    if (group.vlan !== 4095) vlans.add(group.vlan);
    for (const range of group.vlan === 4095 ? (group.trunk ?? []) : []) for (let vlan = range.first; vlan <= range.last; vlan++) vlans.add(vlan);
  }
  return [...vlans].sort((a, b) => a - b);
}

/** Everything the OVS rendering cannot express, each naming its interface. */
function refusals(host: RenderInput, ovsBridges: Bridge[]): FieldError[] {
  const specs = host.interfaces;
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const ovsBridgeOf = new Map<string, string>();
  for (const bridge of ovsBridges) {
    for (const port of bridge.ports) {
      ovsBridgeOf.set(port, bridge.name);
      const spec = byName.get(port);
      if (spec?.kind === 'bond') for (const member of spec.members) ovsBridgeOf.set(member, bridge.name);
    }
  }
  const ovsBridgeNames = new Set(ovsBridges.map((bridge) => bridge.name));
  const named = new Set<string>([...ovsBridgeNames, ...ovsBridgeOf.keys()]);
  // The host name becomes the script's file name and a line of it.
  const errors: FieldError[] = PLAIN_NAME.test(host.name) ? [] : [{ path: 'name', message: `host name '${host.name}' names the script: use letters, digits, _ . or -, starting with a letter, digit or _` }];
  specs.forEach((spec, index) => {
    const path = `interfaces.${index}`;
    const owner = ovsBridgeOf.get(spec.name);
    if (spec.kind === 'bond' && owner && !ovsBond(spec)) {
      errors.push({ path: `${path}.mode`, message: `${spec.name} is a bond on Open vSwitch bridge ${owner}, and OVS has no equivalent of mode ${spec.mode}; use one of: ${Object.keys(OVS_BOND_MODES).join(', ')}` });
    }
    if (spec.kind === 'vlan' && owner) {
      errors.push({ path, message: `VLAN interface ${spec.name} is a port of Open vSwitch bridge ${owner}; OVS tags VLANs on its own ports: declare a port group {switch: ${owner}, vlan: ${spec.vlan}} instead` });
    }
    if (spec.kind === 'vlan' && ovsBridgeOf.has(spec.parent)) {
      errors.push({ path, message: `VLAN interface ${spec.name} sits on ${spec.parent}, which Open vSwitch bridge ${ovsBridgeOf.get(spec.parent)} owns; declare a port group {switch: ${ovsBridgeOf.get(spec.parent)}, vlan: ${spec.vlan}} instead` });
    }
    const group = spec.kind === 'portgroup' && ovsBridgeNames.has(spec.switch) ? spec : null;
    if (group?.pvlan !== undefined) errors.push({ path: `${path}.pvlan`, message: `port group ${spec.name} is on Open vSwitch bridge ${group.switch}, which has no private VLANs; remove pvlan` });
    if (group?.teaming) errors.push({ path: `${path}.teaming`, message: `port group ${spec.name} is on Open vSwitch bridge ${group.switch}: teaming per port group is an ESXi feature; set the bond's mode instead` });
    if (spec.kind === 'vmk') {
      const attachment = byName.get(spec.attachment);
      if (attachment?.kind === 'portgroup' && ovsBridgeNames.has(attachment.switch)) {
        named.add(spec.name);
        if (attachment.vlan === 4095) errors.push({ path: `${path}.attachment`, message: `${spec.name} is a host IP interface on trunk port group ${attachment.name}; it needs one VLAN: attach it to a port group with vlan 0-4094` });
      }
    }
  });
  specs.forEach((spec, index) => {
    if (named.has(spec.name) && !DEVICE_NAME.test(spec.name)) {
      errors.push({ path: `interfaces.${index}.name`, message: `'${spec.name}' becomes an Open vSwitch port or Linux device: use at most 15 letters, digits, _ . or -, starting with a letter, digit or _` });
    }
  });
  return errors;
}

/** The commands for one OVS bridge: the bridge, its uplinks, then its host IP interfaces. */
function bridgeCommands(host: RenderInput, bridge: Bridge, options: OvsRenderOptions): string[] {
  const specs = host.interfaces;
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const mtus = stackMtus(specs);
  const addresses = addressesByInterface(specs);
  const mtuRequest = (name: string, mtu = mtus.get(name)) => (mtu === undefined ? [] : [`mtu_request=${mtu}`]);
  const set = (table: 'bridge' | 'port' | 'interface', name: string, columns: string[]) => (columns.length ? ` -- set ${table} ${name} ${columns.join(' ')}` : '');
  const ipLines = (device: string, list: string[]) => [...list.map((address) => `ip address replace ${canonicalAddress(address)} dev ${device}`), `ip link set dev ${device} up`];

  const portGroups = specs.filter((spec): spec is PortGroup => spec.kind === 'portgroup' && spec.switch === bridge.name);
  const bridgeAddresses = addresses.get(bridge.name) ?? [];
  const guestsOnBridge = (host.vms ?? []).some((vm) => vm.nics.some((nic) => nic.attachment === bridge.name));
  const trunks = uplinkTrunks(portGroups, bridgeAddresses.length > 0 || guestsOnBridge);
  const trunkColumns = trunks ? [`trunks=${trunks.join(',')}`] : [];

  const stp = [`stp_enable=${bridge.stp ?? false}`, ...(bridge.stp && bridge.forwardDelay !== undefined ? [`other_config:stp-forward-delay=${bridge.forwardDelay}`] : [])];
  const lines = [
    `# ${bridge.name}: Open vSwitch bridge`,
    `ovs-vsctl --may-exist add-br ${bridge.name}${set('bridge', bridge.name, [`datapath_type=${options.datapathType ?? 'system'}`, ...stp])}${set('interface', bridge.name, mtuRequest(bridge.name))}`,
  ];
  for (const port of bridge.ports) {
    const spec = byName.get(port)!;
    const nics = spec.kind === 'bond' ? spec.members : [port];
    const add = spec.kind === 'bond' ? `add-bond ${bridge.name} ${port} ${nics.join(' ')}` : `add-port ${bridge.name} ${port}`;
    const columns = [...trunkColumns, ...(spec.kind === 'bond' ? bondColumns(spec) : [])];
    lines.push(`ovs-vsctl --may-exist ${add}${set('port', port, columns)}${nics.map((nic) => set('interface', nic, mtuRequest(nic))).join('')}`);
    // ovs-vswitchd does not bring a NIC up; the OS network config may not know it any more.
    lines.push(...nics.map((nic) => `ip link set dev ${nic} up`));
  }
  if (bridgeAddresses.length) lines.push(...ipLines(bridge.name, bridgeAddresses));
  for (const group of portGroups) {
    for (const vmk of specs.filter((spec): spec is Vmk => spec.kind === 'vmk' && spec.attachment === group.name)) {
      lines.push(`ovs-vsctl --may-exist add-port ${bridge.name} ${vmk.name}${set('port', vmk.name, [`tag=${group.vlan}`])}${set('interface', vmk.name, ['type=internal', ...mtuRequest(vmk.name, vmk.mtu)])}`);
      lines.push(...ipLines(vmk.name, vmk.addresses ?? []));
    }
  }
  return lines;
}

export function renderOvs(host: RenderInput, options: OvsRenderOptions = {}): RenderedFile[] {
  const ovsBridges = host.interfaces.filter((spec): spec is Bridge => spec.kind === 'bridge' && spec.flavor === 'ovs');
  if (!ovsBridges.length) {
    throw new HostwireError('validation', `${host.name} has no Open vSwitch bridge: declare a bridge with flavor: ovs, or use a Linux format`, [{ path: 'interfaces', message: 'no bridge with flavor ovs' }]);
  }
  const errors = refusals(host, ovsBridges);
  if (errors.length) {
    throw new HostwireError('validation', `${host.name} cannot be rendered for Open vSwitch: ${errors.map((error) => `${error.path}: ${error.message}`).join('; ')}`, errors);
  }
  const header = [
    '#!/bin/sh',
    `# Rendered by hostwire for ${host.name}; edit the declaration, not this file.`,
    '# Idempotent: run it again after a change. ovs-vsctl reaches the ovsdb-server at',
    '# $OVS_RUNDIR/db.sock (default /var/run/openvswitch/db.sock).',
    'set -eu',
  ];
  const body = ovsBridges.flatMap((bridge) => ['', ...bridgeCommands(host, bridge, options)]);
  return [{ path: `ovs/${host.name}-ovs.sh`, content: `${[...header, ...body].join('\n')}\n`, mode: 0o755 }];
}
