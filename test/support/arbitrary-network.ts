/**
 * Random valid Linux host networks for the round-trip property tests: NICs, at most one bond over
 * some of them, VLANs on the bond or free NICs, bridges over what is left, addresses only where an
 * address may go (never on a bond slave or bridge port), MTUs on the top of each stack, and now and
 * then the bridge's address on a host IP interface (vmk) instead. Every value passes
 * parseInterfaceSet, so a failing round trip is the renderer's or the importer's fault.
 */
import fc from 'fast-check';
import { BOND_MODES, BOND_OPTION_MODES, LACP_RATES, parseInterfaceSet, XMIT_HASH_POLICIES, type InterfaceSpec } from '../../src/domain/interfaces.ts';

export interface ArbitraryNetworkOptions {
  /** Leave out IPv6 addresses (for formats that carry IPv4 only). */
  ipv4Only?: boolean;
  /** Leave out bonds (for formats whose consumer cannot build them). */
  noBonds?: boolean;
  /** Leave out host IP interfaces on bridges. */
  noVmk?: boolean;
  /** Make some bridges without VLAN ports VLAN-aware, with vids (for formats that filter VLANs on a bridge). */
  vlanAwareBridges?: boolean;
}

export function arbitraryLinuxNetwork(options: ArbitraryNetworkOptions = {}): fc.Arbitrary<InterfaceSpec[]> {
  return fc.gen().map((g) => {
    const pick = <T>(list: readonly T[]): T => list[g(fc.integer, { min: 0, max: list.length - 1 })]!;
    const chance = (percent: number) => g(fc.integer, { min: 1, max: 100 }) <= percent;
    const specs: Record<string, unknown>[] = [];
    const used = new Set<string>(); // enslaved to a bond or a bridge: no address, no second owner
    const nics = Array.from({ length: g(fc.integer, { min: 1, max: 4 }) }, (_, index) => `eth${index}`);
    for (const [index, name] of nics.entries()) specs.push({ kind: 'physical', name, ...(chance(60) ? { mac: `52:54:00:12:34:${(0x10 + index).toString(16)}` } : {}) });

    const carriers: string[] = [];
    if (!options.noBonds && nics.length >= 2 && chance(70)) {
      const members = nics.filter((_, index) => index === 0 || chance(60));
      const mode = pick(BOND_MODES);
      members.forEach((member) => used.add(member));
      specs.push({
        kind: 'bond',
        name: 'bond0',
        members,
        mode,
        ...(chance(70) ? { miimon: pick([0, 100, 200]) } : {}),
        ...(BOND_OPTION_MODES.lacpRate.includes(mode) && chance(50) ? { lacpRate: pick(LACP_RATES) } : {}),
        ...(BOND_OPTION_MODES.xmitHashPolicy.includes(mode) && chance(50) ? { xmitHashPolicy: pick(XMIT_HASH_POLICIES.slice(0, 3)) } : {}),
        ...(BOND_OPTION_MODES.primary.includes(mode) && chance(50) ? { primary: members[0] } : {}),
      });
      carriers.push('bond0');
    }
    carriers.push(...nics.filter((nic) => !used.has(nic)));

    const portable: string[] = [...carriers];
    const vlanIds = new Set<number>();
    for (let count = g(fc.integer, { min: 0, max: 3 }); count > 0 && carriers.length; count--) {
      const parent = pick(carriers);
      const vlan = g(fc.integer, { min: 1, max: 4094 });
      if (vlanIds.has(vlan)) continue;
      vlanIds.add(vlan);
      specs.push({ kind: 'vlan', name: `${parent}.${vlan}`, parent, vlan });
      portable.push(`${parent}.${vlan}`);
    }

    for (let index = 0, count = g(fc.integer, { min: 0, max: 2 }); index < count; index++) {
      const free = portable.filter((name) => !used.has(name));
      const ports = free.filter(() => chance(50)).slice(0, 3);
      // A VLAN's parent stays a trunk: enslaving it to a bridge would take its VLANs with it.
      const trunkParents = new Set(specs.filter((spec) => spec.kind === 'vlan').map((spec) => spec.parent as string));
      const kept = ports.filter((port) => !trunkParents.has(port));
      kept.forEach((port) => used.add(port));
      const stp = chance(60) ? chance(30) : undefined;
      // A VLAN-aware bridge tags for itself, so it takes trunks as ports, never VLAN interfaces.
      const trunksOnly = !kept.some((port) => specs.some((spec) => spec.kind === 'vlan' && spec.name === port));
      const vid = () => g(fc.integer, { min: 1, max: 4094 });
      const vids = () => Array.from({ length: g(fc.integer, { min: 1, max: 3 }) }, () => (chance(50) ? vid() : ((first) => ({ first, last: g(fc.integer, { min: first, max: 4094 }) }))(vid())));
      specs.push({
        kind: 'bridge',
        name: `br${index}`,
        ports: kept,
        ...(stp !== undefined ? { stp } : {}),
        // A forward delay is 2-30 s, or 0 with STP off.
        ...(chance(40) ? { forwardDelay: stp || chance(70) ? g(fc.integer, { min: 2, max: 30 }) : 0 } : {}),
        ...(options.vlanAwareBridges && trunksOnly && chance(50) ? { vlanAware: true, ...(chance(80) ? { vids: vids() } : {}) } : {}),
      });
    }

    const parentsInUse = new Set(specs.flatMap((spec) => (spec.kind === 'vlan' ? [spec.parent as string] : [])));
    let subnet = 0;
    for (const spec of specs) {
      const name = spec.name as string;
      if (used.has(name)) continue;
      const addresses: string[] = [];
      for (let count = g(fc.integer, { min: 0, max: 2 }); count > 0; count--) {
        subnet++;
        addresses.push(!options.ipv4Only && chance(30) ? `2001:db8:${subnet.toString(16)}::${g(fc.integer, { min: 1, max: 0xfffe }).toString(16)}/64` : `10.${subnet}.${g(fc.integer, { min: 0, max: 255 })}.${g(fc.integer, { min: 1, max: 254 })}/${pick([24, 16])}`);
      }
      if (!addresses.length) continue;
      if (spec.kind === 'bridge' && !options.noVmk && chance(30)) specs.push({ kind: 'vmk', name: `${name}-ip`, attachment: name, addresses });
      else spec.addresses = addresses;
    }
    // MTUs only on the top of a stack, so no child is ever above its parent.
    for (const spec of specs) {
      if (spec.kind === 'vmk' || used.has(spec.name as string) || parentsInUse.has(spec.name as string)) continue;
      if (chance(40)) spec.mtu = pick([1500, 1600, 9000]);
    }
    return parseInterfaceSet(specs, 'kvm');
  });
}
