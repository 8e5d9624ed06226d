/**
 * The DHCP side of the PXE tree: dnsmasq's whole configuration (DHCP + TFTP, which `pxe serve`
 * runs) and, for sites that keep their ISC dhcpd (seed 003), a fragment of host declarations to
 * include in its dhcpd.conf. Both hand each provisioned MAC its IPAM address, the server as
 * next-server, and the boot loader for its firmware: pxelinux.0 for BIOS (client arch 0), the EFI
 * loader for x86-64 UEFI (client arch 7 and 9, RFC 4578 option 93).
 */
import { formatAddress, ipv4Netmask, parsePrefix, usableRange } from '../../domain/address.ts';
import type { RenderedFile } from '../../render/files.ts';
import type { PxeRenderInput } from '../model.ts';
import { BIOS_LOADER, bootsBios, bootsUefi, TFTP_DIR, uefiLoader, type PxeHostEntry } from './layout.ts';

/** Lease time of every lease: an install takes minutes, and a short lease frees a dynamic address soon. */
const LEASE = '1h';

const hostTag = (entry: PxeHostEntry) => `host-${entry.record.name}`;
const subnetTag = (name: string) => `net-${name}`;
/** dnsmasq takes a plain name in dhcp-host; the domain comes from the subnet's option. */
const shortName = (entry: PxeHostEntry) => entry.record.hostname.split('.')[0]!;

/** Each subnet once, in the order its first host appears. */
function subnetsOf(input: PxeRenderInput): PxeHostEntry['subnet'][] {
  const byName = new Map(input.hosts.map((entry) => [entry.subnet.name, entry.subnet]));
  return [...byName.values()];
}

/**
 * A subnet's dhcp-range. By default `static`: dnsmasq answers only MACs that have a dhcp-host, so
 * an unknown machine gets nothing. With `allowUnknown`, a dynamic range over the upper quarter of
 * the subnet's host addresses (a /24 gives .192-.254): dnsmasq pings an address before offering it,
 * so one in use is skipped, but keep the IPAM's pools below that quarter.
 */
function dhcpRange(subnet: PxeHostEntry['subnet'], allowUnknown: boolean): string {
  const prefix = parsePrefix(subnet.cidr);
  const netmask = ipv4Netmask(prefix.length);
  if (!allowUnknown) return `dhcp-range=set:${subnetTag(subnet.name)},${formatAddress(4, prefix.network)},static,${netmask},${LEASE}`;
  const usable = usableRange(prefix)!;
  const quarter = (usable.last - usable.first + 1n) / 4n;
  const first = usable.last - (quarter > 0n ? quarter - 1n : 0n);
  return `dhcp-range=set:${subnetTag(subnet.name)},${formatAddress(4, first)},${formatAddress(4, usable.last)},${netmask},${LEASE}`;
}

/**
 * dnsmasq.conf. Host entries are inline rather than in a dhcp-hostsfile: each host's boot rules
 * name its tag here too, and SIGHUP rereads neither dhcp-boot nor dhcp-match, so the server
 * restarts dnsmasq when the records change. Paths are absolute under `root`, the folder the tree
 * is written to; the log is where the server follows each host's progress.
 */
export function renderDnsmasqConf(input: PxeRenderInput, root: string): RenderedFile {
  const lines = [
    '# hostwire PXE: DHCP and TFTP for the hosts being installed (dnsmasq). Generated: edit the provisioning records instead.',
    ...(input.dns ? [] : ['# No DNS server: DHCP and TFTP only.', 'port=0']),
    'bind-interfaces',
    input.server.interface ? `interface=${input.server.interface}` : `listen-address=${input.server.address}`,
    'log-dhcp',
    `log-facility=${root}/dnsmasq.log`,
    `dhcp-leasefile=${root}/dnsmasq.leases`,
    'enable-tftp',
    `tftp-root=${root}/${TFTP_DIR}`,
    '# Firmware by DHCP option 93 (RFC 4578): 0 BIOS, 7 and 9 x86-64 UEFI.',
    'dhcp-match=set:bios,option:client-arch,0',
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-match=set:efi64,option:client-arch,9',
  ];
  for (const subnet of subnetsOf(input)) {
    lines.push(`# subnet ${subnet.name} ${subnet.cidr}${input.allowUnknown ? ': unknown machines lease from the dynamic range' : ': only the hosts below get a lease'}`);
    lines.push(dhcpRange(subnet, input.allowUnknown));
    if (subnet.gateway) lines.push(`dhcp-option=tag:${subnetTag(subnet.name)},option:router,${subnet.gateway}`);
    if (subnet.dns.length) lines.push(`dhcp-option=tag:${subnetTag(subnet.name)},option:dns-server,${subnet.dns.join(',')}`);
    if (subnet.domain) lines.push(`dhcp-option=tag:${subnetTag(subnet.name)},option:domain-name,${subnet.domain}`);
  }
  for (const entry of input.hosts) {
    lines.push(`# ${entry.record.name}: ${entry.image.kind} image ${entry.image.name}, boot ${entry.record.boot}`);
    lines.push(`dhcp-host=${entry.record.mac},set:${hostTag(entry)},${entry.record.address},${shortName(entry)},${LEASE}`);
    if (bootsBios(entry)) lines.push(`dhcp-boot=tag:${hostTag(entry)},tag:bios,${BIOS_LOADER},,${input.server.address}`);
    if (bootsUefi(entry)) lines.push(`dhcp-boot=tag:${hostTag(entry)},tag:efi64,${uefiLoader(entry)},,${input.server.address}`);
  }
  return { path: 'dnsmasq.conf', content: `${lines.join('\n')}\n` };
}

/** The option 93 declaration the host blocks test; it must come before them in dhcpd.conf. */
export const DHCPD_ARCH_OPTION = 'option system-arch code 93 = unsigned integer 16;';

/**
 * dhcpd-hosts.conf, to `include` in an ISC dhcpd.conf that declares the subnet: one host block per
 * provisioned MAC, as seed 003 writes them, with the firmware branch VMware's sample uses.
 */
export function renderDhcpdHosts(input: PxeRenderInput): RenderedFile {
  const lines = ['# hostwire PXE: host declarations for ISC dhcpd. Include this file from dhcpd.conf, beside a subnet declaration for each subnet.', DHCPD_ARCH_OPTION];
  for (const entry of input.hosts) {
    const { record, subnet } = entry;
    const filename = (loader: string) => `filename "${loader}";`;
    const boot =
      bootsBios(entry) && bootsUefi(entry)
        ? ['if option system-arch = 00:07 or option system-arch = 00:09 {', `  ${filename(uefiLoader(entry))}`, '} else {', `  ${filename(BIOS_LOADER)}`, '}']
        : [filename(bootsUefi(entry) ? uefiLoader(entry) : BIOS_LOADER)];
    lines.push(
      '',
      `host ${record.name} {`,
      ...[
        `hardware ethernet ${record.mac};`,
        `fixed-address ${record.address};`,
        `next-server ${input.server.address};`,
        `option host-name "${shortName(entry)}";`,
        ...(subnet.gateway ? [`option routers ${subnet.gateway};`] : []),
        ...(subnet.dns.length ? [`option domain-name-servers ${subnet.dns.join(', ')};`] : []),
        ...(subnet.domain ? [`option domain-name "${subnet.domain}";`] : []),
        ...boot,
      ].map((line) => `  ${line}`),
      '}',
    );
  }
  return { path: 'dhcpd-hosts.conf', content: `${lines.join('\n')}\n` };
}
