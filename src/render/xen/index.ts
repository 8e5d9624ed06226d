/**
 * Xen guest network lines, as seed 003 writes them: one `vif = ['mac=..,bridge=xenbr10', ...]`
 * line per VM, for its xl config (/etc/xen/<vm>.cfg). On an Open vSwitch bridge the tag goes in
 * the bridge name (`ovsbr0.50`, or `ovsbr0:10:20` for a trunk) with the vif-openvswitch script,
 * the form xl-network-configuration(5) documents and libvirt's libxl driver writes.
 */
import { HostwireError } from '../../domain/errors.ts';
import type { RenderedFile, RenderInput } from '../files.ts';
import { guestFileName, guestPorts, type GuestPort } from '../guest-ports.ts';

/** A Linux interface name: what a vif spec (comma-separated key=value) can carry unquoted. */
const IFNAME = /^[^\s/:,'"=]{1,15}$/;

function vifSpec(vm: string, port: GuestPort): string {
  if (!IFNAME.test(port.bridge)) {
    const message = `VM ${vm}: vNIC ${port.mac} is on bridge '${port.bridge}', which is not a Linux interface name (at most 15 characters, no spaces, slashes, colons, commas, quotes or '='); rename the bridge`;
    throw new HostwireError('validation', message, [{ path: `vms.${vm}.nics.${port.mac}`, message }]);
  }
  if (!port.ovs) return `mac=${port.mac},bridge=${port.bridge}`;
  const tags = port.vlan ? (port.vlan.trunk ? port.vlan.tags.map((tag) => `:${tag}`).join('') : `.${port.vlan.tags[0]}`) : '';
  return `mac=${port.mac},bridge=${port.bridge}${tags},script=vif-openvswitch`;
}

export function renderXen(host: RenderInput): RenderedFile[] {
  return guestPorts(host).map(({ vm, ports }) => {
    const file = guestFileName(vm);
    return {
      path: `etc/xen/${file}.vif.cfg`,
      // Only the path-safe name goes in the comment: a VM name may hold anything.
      content: `# Rendered by hostwire: the vif line of /etc/xen/${file}.cfg; edit the declaration, not this file.\nvif = [${ports.map((port) => `'${vifSpec(vm, port)}'`).join(', ')}]\n`,
    };
  });
}
