/**
 * Which wire a port group is on: the wire its switch is mapped to (a synced host); failing that
 * (a host never synced, as in the demo), the one wire whose subnets already carry its VLAN.
 */
import type { Portgroup, Subnet } from './types.ts';

export interface PortgroupWire {
  wire: string | null;
  /** True when the wire comes from the subnets of the port group's VLAN, not from a mapping. */
  inferred: boolean;
}

/** `subnets` may be every subnet or only those of the port group's VLAN. */
export function wireOf(portgroup: Portgroup, subnets: Subnet[]): PortgroupWire {
  if (portgroup.wire) return { wire: portgroup.wire, inferred: false };
  const wires = new Set(subnets.filter((subnet) => subnet.vlan === portgroup.vlan).map((subnet) => subnet.wire));
  return wires.size === 1 ? { wire: [...wires][0]!, inferred: true } : { wire: null, inferred: false };
}
