/**
 * An ESXi host's network as a POSIX shell script of esxcli commands, long options only (short flags
 * change meaning between namespaces: -p is a port group in one and a port count in another), plus
 * the ks.cfg `network` line that has the installer bring up the management vmk. The script is for a
 * freshly installed host (run once, from the ESXi shell or a ks.cfg %firstboot section): what the
 * installer already made (vSwitch0, its install uplink, "Management Network", vmk0) is configured,
 * not added again. Distributed switches are vCenter's: esxcli cannot create one, so they are skipped.
 */
import { HostwireError } from '../../domain/errors.ts';
import type { RenderedFile, RenderInput } from '../files.ts';
import { INSTALLER, managementVmk, readEsxiNetwork, requireEsxi, VMK_TAGS, type EsxiNetwork, type TeamingSettings } from '../esxi/network.ts';

/** esxcli's --load-balancing values for the declaration's policies. */
const LOAD_BALANCING = { srcid: 'portid', srcmac: 'mac', iphash: 'iphash', explicit: 'explicit' } as const;

/** One shell word: bare when it is plainly safe, else single-quoted with each ' written '\''. */
export function shellWord(value: string): string {
  return /^[A-Za-z0-9_.,:/@%+=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

function esxcli(namespace: string, options: [string, string | number | boolean | undefined][]): string {
  const words = options.filter(([, value]) => value !== undefined).map(([name, value]) => `--${name}=${shellWord(String(value))}`);
  return ['esxcli', namespace, ...words].join(' ');
}

/** The failover options of one teaming policy; uplinks named in neither list are unused, as esxcli has no option for them. */
function failoverOptions(teaming: TeamingSettings): [string, string | boolean | undefined][] {
  return [
    ['active-uplinks', teaming.order?.active.length ? teaming.order.active.join(',') : undefined],
    ['standby-uplinks', teaming.order?.standby.length ? teaming.order.standby.join(',') : undefined],
    ['load-balancing', teaming.loadBalancing ? LOAD_BALANCING[teaming.loadBalancing] : undefined],
    ['failback', teaming.failback],
    ['notify-switches', teaming.notifySwitches],
    ['failure-detection', teaming.failureDetection],
  ];
}

function teamingComments(subject: string, teaming: TeamingSettings): string[] {
  const lines: string[] = [];
  if (teaming.order?.unused.length) lines.push(`# ${subject}: ${teaming.order.unused.join(', ')} unused (in neither the active nor the standby list)`);
  if (teaming.beacon) {
    const { intervalSeconds, threshold } = teaming.beacon;
    lines.push(
      threshold > 0
        ? `# ${subject}: beacon probing every ${intervalSeconds} s, threshold ${threshold}; esxcli sets only the detection mode, the timing stays the host's`
        : `# ${subject}: beacon threshold 0 disables beacon probing, so failures are detected by link state`,
    );
  }
  return lines;
}

/** The commands (and comments) that configure the host's standard switches, port groups and vmks, in order. */
export function esxcliCommands(host: RenderInput): string[] {
  const network: EsxiNetwork = readEsxiNetwork(host, 'esxcli');
  const lines: string[] = [];
  for (const vswitch of network.switches) {
    lines.push(`# standard switch ${vswitch.name}`);
    if (vswitch.createdByInstaller) lines.push(`# ${vswitch.name} is made by the installer${vswitch.installerUplink ? ` with uplink ${vswitch.installerUplink}` : ''}`);
    else lines.push(esxcli('network vswitch standard add', [['vswitch-name', vswitch.name], ['ports', vswitch.ports]]));
    if (vswitch.mtu !== undefined) lines.push(esxcli('network vswitch standard set', [['vswitch-name', vswitch.name], ['mtu', vswitch.mtu]]));
    for (const uplink of vswitch.uplinks.filter((nic) => nic !== vswitch.installerUplink)) {
      lines.push(esxcli('network vswitch standard uplink add', [['uplink-name', uplink], ['vswitch-name', vswitch.name]]));
    }
    if (vswitch.uplinks.length) {
      lines.push(esxcli('network vswitch standard policy failover set', [['vswitch-name', vswitch.name], ...failoverOptions(vswitch.teaming)]));
      lines.push(...teamingComments(vswitch.name, vswitch.teaming));
    }
    for (const portgroup of network.portgroups.filter((entry) => entry.switch === vswitch.name)) {
      lines.push(`# port group ${portgroup.name}`);
      if (!portgroup.createdByInstaller) lines.push(esxcli('network vswitch standard portgroup add', [['portgroup-name', portgroup.name], ['vswitch-name', vswitch.name]]));
      lines.push(esxcli('network vswitch standard portgroup set', [['portgroup-name', portgroup.name], ['vlan-id', portgroup.vlan]]));
      for (const setting of portgroup.distributedOnly) lines.push(`# ${portgroup.name}: ${setting} needs a distributed port group; a standard one cannot carry it`);
      if (portgroup.override) {
        lines.push(esxcli('network vswitch standard portgroup policy failover set', [['portgroup-name', portgroup.name], ...failoverOptions(portgroup.override)]));
        lines.push(...teamingComments(portgroup.name, portgroup.override));
      }
      for (const vmk of network.vmks.filter((entry) => entry.portgroup === portgroup.name)) {
        if (vmk.createdByInstaller) {
          if (vmk.mtu !== undefined) lines.push(esxcli('network ip interface set', [['interface-name', vmk.name], ['mtu', vmk.mtu]]));
        } else {
          lines.push(esxcli('network ip interface add', [['interface-name', vmk.name], ['portgroup-name', vmk.portgroup], ['mac-address', vmk.mac], ['mtu', vmk.mtu]]));
        }
        if (vmk.ipv4) {
          lines.push(esxcli('network ip interface ipv4 set', [['interface-name', vmk.name], ['type', 'static'], ['ipv4', vmk.ipv4.address], ['netmask', vmk.ipv4.netmask], ['gateway', vmk.gateway ?? undefined]]));
        }
        for (const extra of vmk.extraIpv4) lines.push(`# ${vmk.name}: ${extra} not set, a VMkernel port has one IPv4 address`);
        for (const address of vmk.ipv6) lines.push(esxcli('network ip interface ipv6 address add', [['interface-name', vmk.name], ['ipv6', address]]));
        for (const service of vmk.services) {
          const tag = VMK_TAGS[service];
          // The installer tags its vmk0 for management already.
          if (tag && !(vmk.createdByInstaller && service === 'management')) lines.push(esxcli('network ip interface tag add', [['interface-name', vmk.name], ['tagname', tag]]));
          if (!tag) lines.push(`# ${vmk.name}: ${service} has no service tag (${service === 'iscsi' ? 'bind it to the software iSCSI adapter with esxcli iscsi networkportal add' : 'NFS traffic leaves through the vmk on the server subnet'})`);
        }
      }
    }
  }
  if (network.ipv6Gateway) lines.push(esxcli('network ip route ipv6 add', [['gateway', network.ipv6Gateway.gateway], ['network', 'default']]));
  for (const dvs of network.distributed) {
    const members = [...dvs.portgroups.map((name) => `port group ${name}`), ...dvs.vmks.map((name) => `vmk ${name}`)];
    lines.push(`# distributed switch ${dvs.name} is managed by vCenter (esxcli cannot create one): skipped${members.length ? ` with ${members.join(', ')}` : ''}`);
  }
  return lines;
}

/** A ks.cfg option value: double-quoted when it holds anything but plain characters (a DNS list is quoted, as VMware's example writes it). */
const ksValue = (value: string) => (/^[A-Za-z0-9_.:-]+$/.test(value) ? value : `"${value}"`);

/**
 * The ESXi ks.cfg `network` line for the management vmk (the one holding the management address,
 * else the one tagged for management): static IPv4 on the install NIC (its MAC when known), the
 * gateway, DNS servers and domain of its subnet, the host name, and the management port group's VLAN.
 */
export function kickstartNetworkLine(host: RenderInput): string {
  requireEsxi(host, 'the ks.cfg network line');
  const network = readEsxiNetwork(host, 'esxcli');
  const vmk = managementVmk(host, network);
  if (!vmk?.ipv4) {
    throw new HostwireError('validation', `${host.name} has no management vmk with an IPv4 address: declare a vmk holding the management address or with service management`, [{ path: 'interfaces', message: 'no management vmk' }]);
  }
  const vswitch = network.switches.find((entry) => entry.name === vmk.switch)!;
  const portgroup = network.portgroups.find((entry) => entry.name === vmk.portgroup)!;
  const nicName = vswitch.teaming.order.active[0] ?? vswitch.uplinks[0];
  if (!nicName) throw new HostwireError('validation', `${host.name}: ${vswitch.name} carries the management vmk but has no uplink to install over`, [{ path: 'interfaces', message: 'no management uplink' }]);
  const nic = host.interfaces.find((spec) => spec.name === nicName);
  const subnet = host.subnets?.[vmk.ipv4.address];
  const domain = subnet?.domain;
  const hostname = host.fqdn ?? (domain ? `${host.name}.${domain}` : host.name);
  // The installer creates "VM Network" on vSwitch0 unless told not to: only when the declaration has it.
  const vmNetwork = network.portgroups.some((entry) => entry.switch === INSTALLER.switch && entry.name === INSTALLER.vmPortgroup);
  const options: [string, string | undefined][] = [
    ['bootproto', 'static'],
    ['device', nic?.kind === 'physical' && nic.mac ? nic.mac : nicName],
    ['ip', vmk.ipv4.address],
    ['netmask', vmk.ipv4.netmask],
    ['gateway', subnet?.gateway ?? undefined],
    ['nameserver', subnet?.dns.length ? subnet.dns.join(',') : undefined],
    ['hostname', hostname],
    // The port group's VLAN is what the host tags; the subnet's may be untagged on the switch port.
    ['vlanid', portgroup.vlan > 0 ? String(portgroup.vlan) : undefined],
    ['addvmportgroup', vmNetwork ? '1' : '0'],
  ];
  return ['network', ...options.filter(([, value]) => value !== undefined).map(([name, value]) => `--${name}=${ksValue(value!)}`)].join(' ');
}

export function renderEsxcli(host: RenderInput): RenderedFile[] {
  const script = ['#!/bin/sh', `# ${host.name}: network configuration as esxcli commands (hostwire). Run once on the freshly installed host.`, 'set -eu', ...esxcliCommands(host)].join('\n');
  const files: RenderedFile[] = [{ path: `esxcli/${host.name}-network.sh`, content: `${script}\n`, mode: 0o755 }];
  const network = readEsxiNetwork(host, 'esxcli');
  if (managementVmk(host, network)?.ipv4) files.push({ path: `esxcli/${host.name}-ks-network.cfg`, content: `${kickstartNetworkLine(host)}\n` });
  return files;
}
