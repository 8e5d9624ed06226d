/**
 * What the classic ifupdown and the ifupdown2 renderings of /etc/network/interfaces share: the
 * loopback stanza, interfaces in stack order (NICs, then bonds, VLANs and bridges on top, so `ifup
 * -a` meets every lower device first), `auto` + `iface` stanzas, `inet manual` where nothing is
 * addressed, the bond options each mode uses, MTU along the stack, and the default route's gateway
 * in the stanza holding its address. A dialect says how it spells the rest.
 */
import { parseInterfaceAddress } from '../../domain/address.ts';
import { HostwireError, type FieldError } from '../../domain/errors.ts';
import { BOND_OPTION_MODES, interfaceParents, stackMtus, type InterfaceSpec } from '../../domain/interfaces.ts';
import { addressesByInterface, defaultRoute, type AddressSubnet, type RenderedFile, type RenderInput } from '../files.ts';

export type Option = [key: string, value: string | number];
export type BondSpec = Extract<InterfaceSpec, { kind: 'bond' }>;
export type VlanSpec = Extract<InterfaceSpec, { kind: 'vlan' }>;
export type BridgeSpec = Extract<InterfaceSpec, { kind: 'bridge' }>;

/** One address as a dialect writes it, with its subnet's facts for the options that go with it. */
export interface StanzaAddress {
  text: string;
  ip: string;
  prefixLength: number;
  subnet?: AddressSubnet;
}

export interface Dialect {
  /** The format name, for error messages. */
  format: string;
  /** Declarations the dialect cannot carry, each naming the interface and what to do instead. */
  refusals(host: RenderInput, mtus: Map<string, number>): FieldError[];
  hwaddress(mac: string): Option;
  /** Whether the interface itself carries its stack MTU (ifupdown2 bridges take theirs from their ports). */
  carriesMtu(spec: InterfaceSpec): boolean;
  vlan(spec: VlanSpec): Option[];
  bridge(spec: BridgeSpec): Option[];
  /** The addresses of one family split into stanzas, each with its address lines. */
  addressStanzas(addresses: StanzaAddress[]): { addresses: StanzaAddress[]; options: Option[] }[];
  /** Resolver options for a stanza whose address's subnet names DNS servers or a domain. */
  dns(subnet: AddressSubnet): Option[];
}

interface Stanza {
  family: 'inet' | 'inet6';
  method: 'manual' | 'static';
  options: Option[];
}

/** The bonding options the mode uses, under the names ifenslave and ifupdown2 share. */
function bondOptions(spec: BondSpec): Option[] {
  const options: Option[] = [['bond-slaves', spec.members.join(' ')], ['bond-mode', spec.mode]];
  if (spec.miimon !== undefined) options.push(['bond-miimon', spec.miimon]);
  // lacp-rate means something to 802.3ad only; elsewhere it is dropped, as MAAS does.
  if (spec.lacpRate && BOND_OPTION_MODES.lacpRate.includes(spec.mode)) options.push(['bond-lacp-rate', spec.lacpRate]);
  if (spec.xmitHashPolicy && BOND_OPTION_MODES.xmitHashPolicy.includes(spec.mode)) options.push(['bond-xmit-hash-policy', spec.xmitHashPolicy]);
  if (spec.primary && BOND_OPTION_MODES.primary.includes(spec.mode)) options.push(['bond-primary', spec.primary]);
  return options;
}

/** Lower devices before the devices stacked on them, otherwise in declaration order. */
function stackOrder(specs: InterfaceSpec[]): InterfaceSpec[] {
  const byName = new Map(specs.map((spec) => [spec.name, spec]));
  const ordered: InterfaceSpec[] = [];
  const placed = new Set<string>();
  const place = (spec: InterfaceSpec) => {
    if (placed.has(spec.name)) return;
    placed.add(spec.name);
    for (const parent of interfaceParents(spec)) {
      const lower = byName.get(parent.name);
      if (lower) place(lower);
    }
    ordered.push(spec);
  };
  specs.forEach(place);
  return ordered;
}

const RENDERED_KINDS = new Set(['physical', 'bond', 'vlan', 'bridge']);

/** Renders a host's Linux interfaces as one /etc/network/interfaces in the given dialect. */
export function renderInterfacesFile(host: RenderInput, dialect: Dialect): RenderedFile[] {
  const mtus = stackMtus(host.interfaces);
  const refusals = [
    ...dialect.refusals(host, mtus),
    ...host.interfaces.flatMap((spec, index) =>
      spec.kind === 'bridge' && spec.flavor === 'ovs' ? [{ path: `interfaces.${index}.flavor`, message: `${spec.name} is an Open vSwitch bridge, which ${dialect.format} does not build; render it with the ovs format` }] : [],
    ),
  ];
  if (refusals.length) throw new HostwireError('validation', `${host.name} cannot be rendered as ${dialect.format}: ${refusals.map((field) => field.message).join('; ')}`, refusals);
  const addresses = addressesByInterface(host.interfaces);
  const route = defaultRoute(host);
  const blocks = [`# Rendered by hostwire for ${host.name}; edit the declaration, not this file.\n\nauto lo\niface lo inet loopback\n`];
  // Port groups are libvirt or OVS constructs and vmks lend their addresses to their bridge: neither is a stanza.
  for (const spec of stackOrder(host.interfaces).filter((candidate) => RENDERED_KINDS.has(candidate.kind))) {
    const link: Option[] = [];
    if (spec.kind === 'physical' && spec.mac) link.push(dialect.hwaddress(spec.mac));
    if (mtus.has(spec.name) && dialect.carriesMtu(spec)) link.push(['mtu', mtus.get(spec.name)!]);
    if (spec.kind === 'bond') link.push(...bondOptions(spec));
    if (spec.kind === 'vlan') link.push(...dialect.vlan(spec));
    if (spec.kind === 'bridge') link.push(...dialect.bridge(spec));

    const stanzas: Stanza[] = [];
    for (const family of [4, 6] as const) {
      const own = (addresses.get(spec.name) ?? []).flatMap((text): StanzaAddress[] => {
        const { address, prefix } = parseInterfaceAddress(text);
        return address.family === family ? [{ text, ip: address.text, prefixLength: prefix.length, subnet: host.subnets?.[address.text] }] : [];
      });
      for (const group of own.length ? dialect.addressStanzas(own) : []) {
        const options = [...group.options];
        const routed = group.addresses.find((address) => route?.interface === spec.name && route.address === address.text);
        if (routed) options.push(['gateway', route!.gateway]);
        const subnet = group.addresses.find((address) => address.subnet && (address.subnet.dns.length || address.subnet.domain))?.subnet;
        if (subnet) options.push(...dialect.dns(subnet));
        stanzas.push({ family: family === 4 ? 'inet' : 'inet6', method: 'static', options });
      }
    }
    // The link options go on the first stanza, after its address; an interface with no IPv4 address gets an inet manual one for them.
    if (stanzas[0]?.family !== 'inet') stanzas.unshift({ family: 'inet', method: 'manual', options: [] });
    stanzas[0]!.options.push(...link);
    const text = stanzas.map((stanza) => [`iface ${spec.name} ${stanza.family} ${stanza.method}`, ...stanza.options.map(([key, value]) => `    ${key} ${value}`)].join('\n'));
    blocks.push(`auto ${spec.name}\n${text.join('\n\n')}\n`);
  }
  return [{ path: 'etc/network/interfaces', content: blocks.join('\n') }];
}
