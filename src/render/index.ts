import { HostwireError } from '../domain/errors.ts';
import type { RenderedFile, RenderInput } from './files.ts';
import { renderIfcfg } from './ifcfg/index.ts';
import { renderNetplan } from './netplan/index.ts';

export type Renderer = (host: RenderInput) => RenderedFile[];

/** The formats rendered today; the others of the host-configuration issue come next. */
export const RENDERERS: Record<string, { renderer: Renderer; platforms: string[] }> = {
  ifcfg: { renderer: renderIfcfg, platforms: ['kvm', 'xen', 'ovm'] },
  netplan: { renderer: renderNetplan, platforms: ['kvm', 'xen', 'ovm'] },
};

export function render(host: RenderInput, format: string): RenderedFile[] {
  const entry = RENDERERS[format];
  if (!entry) throw new HostwireError('validation', `format: '${format}' is not available; use one of: ${Object.keys(RENDERERS).join(', ')}`, [{ path: 'format', message: 'unknown format' }]);
  if (!entry.platforms.includes(host.platform)) throw new HostwireError('validation', `format: ${format} renders ${entry.platforms.join(', ')} hosts; ${host.name} is ${host.platform}`, [{ path: 'format', message: 'wrong platform' }]);
  return entry.renderer(host);
}
