import { HostwireError } from '../domain/errors.ts';
import { renderEsxcli } from './esxcli/index.ts';
import type { OsFamily } from '../domain/model.ts';
import type { RenderedFile, RenderInput } from './files.ts';
import { renderIfcfg } from './ifcfg/index.ts';
import { renderIfupdown } from './ifupdown/index.ts';
import { renderIfupdown2 } from './ifupdown2/index.ts';
import { renderLibvirt } from './libvirt/index.ts';
import { renderNetplan } from './netplan/index.ts';
import { renderNetworkManager } from './networkmanager/index.ts';
import { renderOvs } from './ovs/index.ts';
import { renderPowercli } from './powercli/index.ts';
import { renderXen } from './xen/index.ts';

export type Renderer = (host: RenderInput) => RenderedFile[];

const LINUX = ['kvm', 'xen', 'ovm'];

/** Every format a host's network renders to, and the platforms each one is for. */
export const RENDERERS: Record<string, { renderer: Renderer; platforms: string[] }> = {
  ifcfg: { renderer: renderIfcfg, platforms: LINUX },
  ifupdown: { renderer: renderIfupdown, platforms: LINUX },
  ifupdown2: { renderer: renderIfupdown2, platforms: LINUX },
  netplan: { renderer: renderNetplan, platforms: LINUX },
  networkmanager: { renderer: renderNetworkManager, platforms: LINUX },
  esxcli: { renderer: renderEsxcli, platforms: ['esxi'] },
  powercli: { renderer: renderPowercli, platforms: ['esxi'] },
  libvirt: { renderer: renderLibvirt, platforms: LINUX },
  xen: { renderer: renderXen, platforms: ['xen', 'ovm'] },
  ovs: { renderer: (host) => renderOvs(host), platforms: LINUX },
};

/** The format a host gets when none is named: its os family's (the declaration's `os:`). */
export const DEFAULT_FORMAT: Record<OsFamily, string> = { rhel: 'ifcfg', debian: 'ifupdown', ifupdown2: 'ifupdown2', netplan: 'netplan', networkmanager: 'networkmanager', esxi: 'esxcli' };

export function render(host: RenderInput, format = DEFAULT_FORMAT[host.osFamily]): RenderedFile[] {
  const entry = RENDERERS[format];
  if (!entry) throw new HostwireError('validation', `format: '${format}' is not available; use one of: ${Object.keys(RENDERERS).join(', ')}`, [{ path: 'format', message: 'unknown format' }]);
  if (!entry.platforms.includes(host.platform)) throw new HostwireError('validation', `format: ${format} renders ${entry.platforms.join(', ')} hosts; ${host.name} is ${host.platform}`, [{ path: 'format', message: 'wrong platform' }]);
  return entry.renderer(host);
}
