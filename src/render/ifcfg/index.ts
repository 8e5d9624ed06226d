/**
 * RHEL / Oracle Linux / Oracle VM network-scripts, as seed 001 writes them by hand: a bond master
 * with BONDING_OPTS and slaves with MASTER/SLAVE, VLANs with VLAN=yes, PHYSDEV, VLAN_ID and BRIDGE,
 * bridges with TYPE=Bridge, STP and DELAY, a bridge's address on an alias (ifcfg-vlan100:1), MTU
 * on every layer of a stack, and the modprobe bonding lines older initscripts hosts need.
 */
import { ipv4Netmask, parseInterfaceAddress } from '../../domain/address.ts';
import { BOND_OPTION_MODES, interfaceParents, stackMtus, type InterfaceSpec } from '../../domain/interfaces.ts';
import { addressesByInterface, refuseVlanAwareBridges, type RenderedFile, type RenderInput } from '../files.ts';

const DIR = 'etc/sysconfig/network-scripts';
/** The bonding driver's mode numbers, as seed 001 writes them (mode=4). */
const BOND_MODE_NUMBERS: Record<string, number> = { 'balance-rr': 0, 'active-backup': 1, 'balance-xor': 2, broadcast: 3, '802.3ad': 4, 'balance-tlb': 5, 'balance-alb': 6 };

type Keys = [string, string | number][];

const file = (name: string, keys: Keys): RenderedFile => ({ path: `${DIR}/ifcfg-${name}`, content: `${keys.map(([key, value]) => `${key}=${value}`).join('\n')}\n` });

function bondingOptions(spec: Extract<InterfaceSpec, { kind: 'bond' }>): string {
  const options = [`mode=${BOND_MODE_NUMBERS[spec.mode]}`];
  if (spec.miimon !== undefined) options.push(`miimon=${spec.miimon}`);
  // lacp_rate is only the 802.3ad mode's; elsewhere the driver refuses it, so it is left out.
  if (spec.lacpRate && BOND_OPTION_MODES.lacpRate.includes(spec.mode)) options.push(`lacp_rate=${spec.lacpRate}`);
  if (spec.xmitHashPolicy && BOND_OPTION_MODES.xmitHashPolicy.includes(spec.mode)) options.push(`xmit_hash_policy=${spec.xmitHashPolicy}`);
  if (spec.primary && BOND_OPTION_MODES.primary.includes(spec.mode)) options.push(`primary=${spec.primary}`);
  return `"${options.join(' ')}"`;
}

/**
 * An interface's addresses: IPv4 as IPADDR/NETMASK, IPADDR1/NETMASK1... (numbered among the IPv4
 * ones: initscripts stop at the first gap after IPADDR2), IPv6 as IPV6ADDR plus one
 * IPV6ADDR_SECONDARIES list, with IPV6INIT=yes, which older initscripts need before reading either.
 */
function addressKeys(list: string[]): Keys {
  const parsed = list.map((address) => parseInterfaceAddress(address));
  const v4 = parsed.filter(({ address }) => address.family === 4);
  const v6 = parsed.filter(({ address }) => address.family === 6).map(({ address, prefix }) => `${address.text}/${prefix.length}`);
  return [
    ...v4.flatMap(({ address, prefix }, index): Keys => [[`IPADDR${index || ''}`, address.text], [`NETMASK${index || ''}`, ipv4Netmask(prefix.length)]]),
    ...(v6.length ? [['IPV6INIT', 'yes'], ['IPV6ADDR', v6[0]!]] as Keys : []),
    ...(v6.length > 1 ? [['IPV6ADDR_SECONDARIES', `"${v6.slice(1).join(' ')}"`]] as Keys : []),
  ];
}

export function renderIfcfg(host: RenderInput): RenderedFile[] {
  refuseVlanAwareBridges(host, 'ifcfg');
  const specs = host.interfaces;
  const mtus = stackMtus(specs);
  const addresses = addressesByInterface(specs);
  const masterOf = new Map<string, string>();
  const bridgeOf = new Map<string, string>();
  for (const spec of specs) {
    for (const parent of interfaceParents(spec)) {
      if (parent.role === 'member') masterOf.set(parent.name, spec.name);
      if (parent.role === 'port') bridgeOf.set(parent.name, spec.name);
    }
  }
  const files: RenderedFile[] = [];
  const mtu = (name: string): Keys => (mtus.has(name) ? [['MTU', mtus.get(name)!]] : []);
  const bridge = (name: string): Keys => (bridgeOf.has(name) ? [['BRIDGE', bridgeOf.get(name)!]] : []);
  const ip = (name: string): Keys => {
    const list = addresses.get(name) ?? [];
    return list.length ? [['BOOTPROTO', 'static'], ...addressKeys(list)] : [['BOOTPROTO', 'none']];
  };
  for (const spec of specs) {
    switch (spec.kind) {
      case 'physical': {
        const master = masterOf.get(spec.name);
        // Slaves say BOOTPROTO=static as seed 001 does: initscripts configure no address on a slave anyway.
        const boot: Keys = master ? [['BOOTPROTO', 'static']] : ip(spec.name);
        files.push(file(spec.name, [['DEVICE', spec.name], ...boot, ...(spec.mac ? [['HWADDR', spec.mac] as [string, string]] : []), ['TYPE', 'Ethernet'], ['ONBOOT', 'yes'], ...(master ? [['MASTER', master], ['SLAVE', 'yes']] as Keys : []), ...bridge(spec.name), ...mtu(spec.name)]));
        break;
      }
      case 'bond':
        files.push(file(spec.name, [['DEVICE', spec.name], ...ip(spec.name), ['ONBOOT', 'yes'], ['BONDING_OPTS', bondingOptions(spec)], ...bridge(spec.name), ...mtu(spec.name)]));
        break;
      case 'vlan':
        files.push(file(spec.name, [['DEVICE', spec.name], ['ONBOOT', 'yes'], ...ip(spec.name), ['VLAN', 'yes'], ['PHYSDEV', spec.parent], ['VLAN_ID', spec.vlan], ['TYPE', 'Ethernet'], ...bridge(spec.name), ...mtu(spec.name)]));
        break;
      case 'bridge': {
        files.push(file(spec.name, [['DEVICE', spec.name], ['BOOTPROTO', 'none'], ['ONBOOT', 'yes'], ['TYPE', 'Bridge'], ['STP', spec.stp ? 'on' : 'off'], ...(spec.forwardDelay !== undefined ? [['DELAY', spec.forwardDelay] as [string, number]] : []), ...mtu(spec.name)]));
        // A bridge's addresses go on aliases, vlan100:1 and on, as the seed does.
        (addresses.get(spec.name) ?? []).forEach((address, index) => {
          const alias = `${spec.name}:${index + 1}`;
          files.push(file(alias, [['DEVICE', alias], ['BOOTPROTO', 'static'], ['ONBOOT', 'yes'], ...addressKeys([address])]));
        });
        break;
      }
      default:
        break;
    }
  }
  const bonds = specs.filter((spec) => spec.kind === 'bond').map((spec) => spec.name);
  if (bonds.length) {
    files.push({ path: 'etc/modprobe.d/hostwire-bonding.conf', content: `${bonds.map((name) => `alias ${name} bonding`).join('\n')}\noptions bonding max_bonds=${bonds.length}\n` });
  }
  return files;
}
