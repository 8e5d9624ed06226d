/** What every renderer returns, and the stack rules they all share. */
import { HostwireError } from '../domain/errors.ts';
import type { InterfaceSpec } from '../domain/interfaces.ts';
import type { OsFamily, Platform } from '../domain/model.ts';

export interface RenderInput {
  name: string;
  platform: Platform;
  osFamily: OsFamily;
  interfaces: InterfaceSpec[];
  /** The host's management address (the ESXi ks.cfg `network` line and the default route use it). */
  managementAddress?: string | null;
  /** Fully qualified host name, when the estate knows one. */
  fqdn?: string | null;
  /** What the IPAM knows of each interface address's subnet, keyed by the address without its length. */
  subnets?: Record<string, AddressSubnet>;
  /** The guests on this host and where each vNIC plugs in (Xen `vif` lines, libvirt domain interfaces). */
  vms?: GuestNetwork[];
}

export interface GuestNetwork {
  name: string;
  nics: {
    mac: string;
    /** The bridge or port group (host interface name) the vNIC is attached to, if known. */
    attachment: string | null;
  }[];
}

/** The subnet an interface address belongs to: where its gateway, DNS servers and VLAN come from. */
export interface AddressSubnet {
  name: string;
  gateway: string | null;
  dns: string[];
  domain: string | null;
  vlan: number;
}

/**
 * The one interface that carries the default route: the one holding the management address if its
 * subnet has a gateway, else the first interface address (in declaration order) whose subnet has one.
 * A host has one default route per family; two would make the kernel pick by metric.
 */
export function defaultRoute(host: RenderInput): { interface: string; address: string; gateway: string; subnet: AddressSubnet } | null {
  const candidates: { interface: string; address: string; gateway: string; subnet: AddressSubnet }[] = [];
  // On Linux a host IP interface lends its address to its bridge; on ESXi the vmk itself carries it.
  const carriers = host.platform === 'esxi' ? new Map(host.interfaces.flatMap((spec) => ('addresses' in spec && spec.addresses?.length ? [[spec.name, spec.addresses] as const] : []))) : addressesByInterface(host.interfaces);
  for (const [name, list] of carriers) {
    for (const address of list) {
      const ip = address.split('/')[0]!;
      const subnet = host.subnets?.[ip];
      if (subnet?.gateway) candidates.push({ interface: name, address, gateway: subnet.gateway, subnet });
    }
  }
  return candidates.find((candidate) => candidate.address.split('/')[0] === host.managementAddress) ?? candidates[0] ?? null;
}

export interface RenderedFile {
  /** Where the platform expects the file, relative to the root (e.g. etc/netplan/60-hostwire.yaml). */
  path: string;
  content: string;
  mode?: number;
  /** When set, the file is a symbolic link to this absolute path and `content` is empty (a PXE tree links installer images and boot loaders rather than copying them). */
  symlink?: string;
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

/**
 * Refuses VLAN-aware bridges in a format that has no VLAN filtering: rendered as a plain bridge,
 * such a bridge would forward every VLAN between its ports instead of only its vids.
 */
export function refuseVlanAwareBridges(host: RenderInput, format: string): void {
  const fields = host.interfaces.flatMap((spec, index) => (spec.kind === 'bridge' && spec.vlanAware ? [{ path: `interfaces.${index}.vlanAware`, message: `${spec.name} is VLAN-aware, which ${format} cannot express` }] : []));
  if (fields.length) throw new HostwireError('validation', `${fields.map((field) => field.message).join('; ')}: render ${host.name} with ifupdown2, or use one bridge per VLAN`, fields);
}
