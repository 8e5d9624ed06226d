/**
 * A host's HostVirtualNicManager: where vCenter selects which vmks carry a service (vMotion, vSAN,
 * provisioning...). Finding the manager of a host, and selecting a vmk for a service on it.
 */
import type { VimClient } from './client.ts';
import { VsphereError } from './errors.ts';
import { el, moref, xml, type MoRef } from './soap.ts';

/** The HostVirtualNicManager of a host (its `configManager.virtualNicManager`). */
export async function virtualNicManagerOf(client: VimClient, host: MoRef): Promise<MoRef> {
  const [object] = await client.retrieveProperties(host, [{ type: 'HostSystem', paths: ['configManager.virtualNicManager'] }]);
  const manager = moref(object?.props.get('configManager.virtualNicManager'));
  if (!manager) throw new VsphereError(`host ${host.value} has no configManager.virtualNicManager: is it connected to vCenter?`);
  return manager;
}

/** Selects vmk `device` for `nicType` (e.g. 'vmotion'); the host keeps its other selections. */
export async function selectVnicForNicType(client: VimClient, manager: MoRef, nicType: string, device: string): Promise<void> {
  await client.call('SelectVnicForNicType', manager, xml(el('nicType', nicType), el('device', device)));
}
