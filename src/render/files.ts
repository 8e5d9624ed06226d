/** What every renderer returns, and the stack rules they all share. */
import type { InterfaceSpec } from '../domain/interfaces.ts';
import { interfaceParents } from '../domain/interfaces.ts';
import type { OsFamily, Platform } from '../domain/model.ts';

export interface RenderInput {
  name: string;
  platform: Platform;
  osFamily: OsFamily;
  interfaces: InterfaceSpec[];
}

export interface RenderedFile {
  /** Where the platform expects the file, relative to the root (e.g. etc/netplan/60-hostwire.yaml). */
  path: string;
  content: string;
  mode?: number;
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

/** Linux host IP interfaces (kind vmk on a bridge) lend their addresses to the bridge they sit on. */
export function addressesByInterface(specs: InterfaceSpec[]): Map<string, string[]> {
  const addresses = new Map<string, string[]>();
  const add = (name: string, list: string[] | undefined) => list?.length && addresses.set(name, [...(addresses.get(name) ?? []), ...list]);
  for (const spec of specs) {
    if (spec.kind === 'vmk') add(spec.attachment, spec.addresses);
    else if ('addresses' in spec) add(spec.name, spec.addresses);
  }
  return addresses;
}
