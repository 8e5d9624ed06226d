/**
 * `hostwire pxe render`: the whole PXE tree for the provisioned hosts, as files relative to the
 * output root, from the records, images and declarations the pxe service gathers. Pure: it reads
 * nothing and writes nothing; the caller writes the files (and the links: `RenderedFile.symlink`).
 */
import { HostwireError } from '../../domain/errors.ts';
import type { RenderedFile } from '../../render/files.ts';
import type { PxeRenderInput } from '../model.ts';
import { renderBootFiles, renderLoaderLinks } from './boot.ts';
import { renderDhcpdHosts, renderDnsmasqConf } from './dhcp.ts';
import { checkRootPasswordHash, renderEsxiKickstart, renderLinuxKickstart } from './kickstart.ts';
import { checkRenderInput } from './layout.ts';

/** Two records sharing a MAC, name or address would make dnsmasq and dhcpd answer one of them at random. */
function refuseDuplicates(input: PxeRenderInput): void {
  for (const field of ['name', 'mac', 'address', 'hostname'] as const) {
    const seen = new Set<string>();
    for (const { record } of input.hosts) {
      const value = record[field].toLowerCase();
      if (seen.has(value)) throw new HostwireError('validation', `hosts: two provisioning records have ${field} ${record[field]}; each host needs its own`, [{ path: `hosts.${field}`, message: 'duplicate' }]);
      seen.add(value);
    }
  }
}

/**
 * The tree written to `root` (an absolute path: dnsmasq.conf names its TFTP root, log and lease
 * files under it): dnsmasq.conf, dhcpd-hosts.conf, `tftp/` (loaders, image links, per-MAC boot
 * entries) and `ks/<host>.cfg`.
 */
export function renderPxeTree(input: PxeRenderInput, root: string): RenderedFile[] {
  if (!root.startsWith('/') || /[\s,]/.test(root)) throw new HostwireError('validation', `root: '${root}' must be an absolute path without spaces or commas (dnsmasq.conf names files under it)`, [{ path: 'root', message: 'not an absolute path' }]);
  checkRenderInput(input);
  refuseDuplicates(input);
  checkRootPasswordHash(input.rootPasswordHash);
  return [
    renderDnsmasqConf(input, root.replace(/\/+$/, '')),
    renderDhcpdHosts(input),
    ...renderLoaderLinks(input),
    ...renderBootFiles(input),
    ...input.hosts.map((entry) => (entry.image.kind === 'esxi' ? renderEsxiKickstart(input, entry) : renderLinuxKickstart(input, entry))),
  ];
}
