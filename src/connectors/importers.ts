/**
 * The host-network importers by format name (`hostwire host import --format F`): config files a
 * host boots from (read as its declaration) and live facts (kept beside the declaration).
 */
import { HostwireError } from '../domain/errors.ts';
import type { ImportedNetwork, SourceFile } from './host-facts.ts';
import { importLibvirtXml } from './libvirt/xml.ts';
import { importIfcfg } from './linux/ifcfg.ts';
import { importInterfacesFile } from './linux/interfaces-file.ts';
import { importLinuxFacts } from './linux/live.ts';
import { importNetplan } from './linux/netplan.ts';
import { importNmKeyfiles } from './linux/nm-keyfile.ts';

export interface Importer {
  kind: 'config' | 'facts';
  /** What to point it at, for help texts and errors. */
  input: string;
  read(files: SourceFile[]): ImportedNetwork;
}

export const IMPORTERS: Record<string, Importer> = {
  ifcfg: { kind: 'config', input: 'a network-scripts folder of ifcfg-* files', read: importIfcfg },
  interfaces: { kind: 'config', input: 'an interfaces file, or /etc/network with interfaces.d/ (ifupdown or ifupdown2)', read: importInterfacesFile },
  netplan: { kind: 'config', input: 'a folder of netplan YAML (etc/netplan, or a root with etc/ run/ lib/)', read: importNetplan },
  networkmanager: { kind: 'config', input: 'a folder of .nmconnection keyfiles (/etc/NetworkManager/system-connections)', read: importNmKeyfiles },
  'linux-facts': { kind: 'facts', input: "the JSON bundle collect-facts.sh prints, or a folder of ip -j link/addr, bridge -j link and /proc/net/bonding files", read: importLinuxFacts },
  libvirt: { kind: 'config', input: 'virsh iface-dumpxml / net-dumpxml / dumpxml output or a test:/// node file', read: importLibvirtXml },
};

export function findImporter(format: string): Importer {
  const importer = IMPORTERS[format];
  if (!importer) throw new HostwireError('validation', `format: '${format}' cannot be imported; use one of: ${Object.keys(IMPORTERS).join(', ')}`, [{ path: 'format', message: 'unknown format' }]);
  return importer;
}
