/**
 * A vCenter snapshot into the store, by the rules of seed 004 done right:
 * - identity by vCenter instance UUID + moref (hosts), instance UUID (VMs), (VM, MAC) (vNICs);
 * - each switch's wire from evidence: an admin's mapping, host IPs in declared subnets, VM IPs in
 *   subnets whose VLAN matches their port group's; else one conservative wire per switch; two
 *   wires of evidence is a recorded conflict;
 * - host IPs in no subnet create one with the vmk's real netmask, the host's gateway and VLAN;
 * - VM IPs attach only when subnet, wire and VLAN agree and nobody else holds them; otherwise they
 *   go to the VM's `sync_ips` tag with a reason each;
 * - nothing is removed unless the snapshot is complete; a sync with nothing new writes nothing.
 * Everything runs in one transaction through the services, so every write is validated and logged.
 */
import { addressKey, formatAddress, netmaskLength, parseAddress, parsePrefix, specialRole, type IpAddress } from '../domain/address.ts';
import { HostwireError } from '../domain/errors.ts';
import type { InterfaceSpec } from '../domain/interfaces.ts';
import type { LinkState } from '../domain/network-diff.ts';
import { allocate, release } from '../ipam/allocation.ts';
import { describeHolder } from '../ipam/records.ts';
import { createSubnet } from '../ipam/subnets.ts';
import type { Snapshot, SnapshotDvs, SnapshotHost, SnapshotVm } from '../connectors/snapshot.ts';
import { setHostInterfaces, syncHost } from '../services/hosts.ts';
import { deleteTag, listTags, setTag } from '../services/tags.ts';
import { upsertVm } from '../services/vms.ts';
import { createWire } from '../services/wires.ts';
import { findAccount, findSwitchWire, updateAccount, upsertSwitchWire } from '../store/accounts.ts';
import { findAddress, listOwnedBy } from '../store/addresses.ts';
import { changeEntry, countChangesSince, insertChanges, lastChangeId } from '../store/changes.ts';
import type { Context } from '../store/context.ts';
import { listSourcedIds, markRemoved } from '../store/inventory.ts';
import type { Conn } from '../store/store.ts';
import { findSpace, findSubnetContaining, findSubnet, type SubnetWithNames } from '../store/subnets.ts';
import { findWire, findWireById } from '../store/wires.ts';

export interface SyncConflict {
  kind: 'wire-evidence' | 'duplicate-ip' | 'host-ip';
  message: string;
  evidence: string[];
}

export interface UnattachedIp {
  address: string;
  mac: string;
  reason: string;
}

export interface SyncSummary {
  account: string;
  complete: boolean;
  /** Per object kind: created, updated, removed (from the change log this sync wrote). */
  counts: Record<string, { created: number; updated: number; removed: number }>;
  /** VM IPs kept in sync_ips, with no owning subnet or another reason. */
  syncIps: number;
  conflicts: SyncConflict[];
  /** Objects that could not be stored, each with why; the rest of the sync went on. */
  errors: string[];
  gaps: string[];
}

interface PortgroupInfo {
  name: string;
  /** The switch's key in switch_wires. */
  switchKey: string;
  switchLabel: string;
  vlan: number;
  trunk: { first: number; last: number }[];
}

const NO_CHANGE = { created: 0, updated: 0, removed: 0 };

/** A guest address worth managing: not link-local, loopback or unspecified. */
function manageable(address: IpAddress): boolean {
  const text = address.text;
  return !(text.startsWith('fe80:') || text.startsWith('127.') || text === '::1' || text === '0.0.0.0' || text.startsWith('169.254.'));
}

/** How often reconciliation reports progress, in hosts and VMs. */
const PROGRESS_EVERY = 50;

/**
 * Reconciles a snapshot in one transaction. `onProgress(done, total)` hears how many of the
 * snapshot's hosts and VMs are reconciled: at the start, every PROGRESS_EVERY objects and at the end.
 */
export async function reconcileVsphere(context: Context, accountName: string, snapshot: Snapshot, onProgress: (done: number, total: number) => void = () => undefined): Promise<SyncSummary> {
  const instance = snapshot.source.instanceUuid;
  const total = snapshot.hosts.length + snapshot.vms.length;
  let done = 0;
  /** Yields the items; each one counts as done when the loop asks for the next (after `continue` too). */
  function* counted<T>(items: T[]): Generator<T> {
    for (const item of items) {
      yield item;
      done++;
      if (done % PROGRESS_EVERY === 0 && done < total) onProgress(done, total);
    }
  }
  const conflicts: SyncConflict[] = [];
  const errors: string[] = [];
  let syncIps = 0;

  return context.store.write(async (tx) => {
    onProgress(0, total);
    const firstChange = await lastChangeId(tx);
    const space = (await findSpace(tx, 'default'))!;
    const account = await findAccount(tx, accountName);
    if (account && account.instance_uuid !== instance) await updateAccount(tx, account.id, { instance_uuid: instance, updated_at: context.now().toISOString() });

    const hostsByMoref = new Map(snapshot.hosts.map((host) => [host.moref, host]));
    const dvsByUuid = new Map(snapshot.dvSwitches.map((dvs) => [dvs.uuid, dvs]));
    const hostKey = (host: SnapshotHost) => `${instance}:${host.moref}`;
    const switchKeyOf = (host: SnapshotHost, vswitch: string) => `host:${hostKey(host)}/${vswitch}`;
    const dvsKeyOf = (dvs: SnapshotDvs) => `dvs:${instance}:${dvs.uuid}`;
    const containing = (address: IpAddress) => findSubnetContaining(tx, space.id, addressKey(address.family, address.value));

    /** Port groups by host moref and name, standard and distributed. */
    const portgroups = new Map<string, Map<string, PortgroupInfo>>();
    const dvPortgroups = new Map<string, PortgroupInfo & { dvs: SnapshotDvs }>();
    for (const dvs of snapshot.dvSwitches) {
      for (const pg of dvs.portgroups) {
        dvPortgroups.set(`${dvs.uuid}/${pg.key}`, {
          name: pg.name,
          switchKey: dvsKeyOf(dvs),
          switchLabel: `${accountName}/${dvs.name}`,
          vlan: pg.vlan.kind === 'vlan' ? pg.vlan.vlan : pg.vlan.kind === 'trunk' ? 4095 : 0,
          trunk: pg.vlan.kind === 'trunk' ? pg.vlan.ranges : [],
          dvs,
        });
      }
    }
    for (const host of snapshot.hosts) {
      const byName = new Map<string, PortgroupInfo>();
      for (const pg of host.portgroups) byName.set(pg.name, { name: pg.name, switchKey: switchKeyOf(host, pg.vswitch), switchLabel: `${accountName}/${host.name}/${pg.vswitch}`, vlan: pg.vlan, trunk: [] });
      portgroups.set(host.moref, byName);
    }
    const vmkPortgroup = (host: SnapshotHost, vmk: SnapshotHost['vmks'][number]) =>
      vmk.attachment.kind === 'portgroup' ? portgroups.get(host.moref)?.get(vmk.attachment.portgroup) : dvPortgroups.get(`${vmk.attachment.dvsUuid}/${vmk.attachment.portgroupKey}`);
    const vnicPortgroup = (vm: SnapshotVm, nic: SnapshotVm['nics'][number]) =>
      nic.backing.kind === 'portgroup' ? portgroups.get(vm.hostMoref ?? '')?.get(nic.backing.portgroup) : nic.backing.kind === 'dvportgroup' ? dvPortgroups.get(`${nic.backing.dvsUuid}/${nic.backing.portgroupKey}`) : undefined;

    // 1. Wires of switches, from evidence.
    const wireOfSwitch = new Map<string, number>();
    const switches = new Map<string, string>();
    for (const host of [...snapshot.hosts].sort((a, b) => a.name.localeCompare(b.name))) {
      for (const vswitch of host.vswitches) switches.set(switchKeyOf(host, vswitch.name), `${accountName}/${host.name}/${vswitch.name}`);
    }
    for (const dvs of snapshot.dvSwitches) switches.set(dvsKeyOf(dvs), `${accountName}/${dvs.name}`);

    // Host vmks and VM NICs by the switch they sit on, computed once: evidence is then per switch.
    const vmksBySwitch = new Map<string, { host: SnapshotHost; vmk: SnapshotHost['vmks'][number] }[]>();
    for (const host of snapshot.hosts) {
      for (const vmk of host.vmks) {
        const pg = vmkPortgroup(host, vmk);
        if (pg && vmk.ip) vmksBySwitch.set(pg.switchKey, [...(vmksBySwitch.get(pg.switchKey) ?? []), { host, vmk }]);
      }
    }
    const nicsBySwitch = new Map<string, { vm: SnapshotVm; nic: SnapshotVm['nics'][number]; pg: PortgroupInfo }[]>();
    for (const vm of snapshot.vms) {
      for (const nic of vm.nics) {
        const pg = vnicPortgroup(vm, nic);
        if (pg && nic.ips.length) {
          const list = nicsBySwitch.get(pg.switchKey) ?? [];
          list.push({ vm, nic, pg });
          nicsBySwitch.set(pg.switchKey, list);
        }
      }
    }

    async function evidenceFor(switchKey: string): Promise<{ hostIp: Map<number, string[]>; vmIp: Map<number, string[]> }> {
      const hostIp = new Map<number, string[]>();
      const vmIp = new Map<number, string[]>();
      const note = (into: Map<number, string[]>, wireId: number, line: string) => into.set(wireId, [...(into.get(wireId) ?? []), line]);
      for (const { host, vmk } of vmksBySwitch.get(switchKey) ?? []) {
        const subnet = await containing(parseAddress(vmk.ip!));
        if (subnet) note(hostIp, subnet.wire_id, `${host.name} ${vmk.name} ${vmk.ip} is in subnet '${subnet.name}'`);
      }
      for (const { vm, nic, pg } of nicsBySwitch.get(switchKey) ?? []) {
        for (const ip of nic.ips) {
          const address = safeAddress(ip);
          if (!address || !manageable(address)) continue;
          const subnet = await containing(address);
          if (subnet && vlanFits(subnet, pg)) note(vmIp, subnet.wire_id, `VM ${vm.name} ${ip} on '${pg.name}' is in subnet '${subnet.name}' (VLAN ${subnet.vlan})`);
        }
      }
      return { hostIp, vmIp };
    }

    async function autoWire(switchKey: string, label: string): Promise<number> {
      const mapped = await findSwitchWire(tx, switchKey);
      if (mapped && (await findWireById(tx, mapped.wire_id))) return mapped.wire_id;
      const existing = await findWire(tx, label);
      if (existing) return existing.id;
      return (await createWire(context, { name: label, origin: 'auto', sourceAccount: accountName, description: `created by sync of ${accountName} for switch ${label}` })).id;
    }

    async function decideWire(switchKey: string, label: string): Promise<number> {
      const mapped = await findSwitchWire(tx, switchKey);
      if (mapped?.origin === 'admin') return mapped.wire_id;
      const { hostIp, vmIp } = await evidenceFor(switchKey);
      const evidence = hostIp.size ? hostIp : vmIp;
      let wireId: number;
      let origin = 'evidence';
      if (evidence.size === 1) wireId = [...evidence.keys()][0]!;
      else {
        wireId = await autoWire(switchKey, label);
        origin = 'auto';
        if (evidence.size > 1) {
          const lines = [...evidence.values()].flat();
          conflicts.push({ kind: 'wire-evidence', message: `switch ${label} has evidence for ${evidence.size} wires; it was given its own wire until an admin maps it`, evidence: lines });
        }
      }
      const evidenceJson = JSON.stringify([...evidence.values()].flat());
      // Written when the wire changes only, so that a sync with nothing new writes nothing.
      if (!mapped || mapped.wire_id !== wireId) {
        await upsertSwitchWire(tx, { switch_key: switchKey, wire_id: wireId, origin, label, evidence_json: evidenceJson, updated_at: context.now().toISOString() });
      }
      return wireId;
    }

    // 2. Hosts, their interfaces, their IPs (creating the subnets no one declared).
    const hostNames = new Map<string, string>();
    const portgroupsStored = new Map<string, Set<string>>();
    for (const host of counted([...snapshot.hosts].sort((a, b) => a.name.localeCompare(b.name)))) {
      const management = host.vmks.find((vmk) => vmk.services.includes('management') && vmk.ip) ?? host.vmks.find((vmk) => vmk.ip);
      try {
        const stored = await syncHost(context, {
          name: host.name,
          platform: 'esxi',
          cluster: host.cluster,
          managementAddress: management?.ip ?? null,
          hardwareUuid: host.hardwareUuid,
          externalId: hostKey(host),
          sourceAccount: accountName,
        });
        hostNames.set(host.moref, stored.name);
      } catch (error) {
        errors.push(`host ${host.name}: ${messageOf(error)}`);
        continue;
      }
      const specs = interfaceSpecs(host, dvsByUuid);
      try {
        await setHostInterfaces(context, host.name, specs, { observed: true, observation: { format: 'vcenter', source: accountName, linkState: pnicLinks(host) } });
        portgroupsStored.set(host.moref, new Set(specs.filter((spec) => spec.kind === 'portgroup').map((spec) => spec.name)));
      } catch (error) {
        errors.push(`host ${host.name}: interfaces not stored: ${messageOf(error)}`);
      }
      for (const vswitch of host.vswitches) {
        const key = switchKeyOf(host, vswitch.name);
        if (!wireOfSwitch.has(key)) wireOfSwitch.set(key, await decideWire(key, switches.get(key)!));
      }
      for (const membership of host.dvsMembership) {
        const dvs = dvsByUuid.get(membership.dvsUuid);
        if (dvs && !wireOfSwitch.has(dvsKeyOf(dvs))) wireOfSwitch.set(dvsKeyOf(dvs), await decideWire(dvsKeyOf(dvs), switches.get(dvsKeyOf(dvs))!));
      }
      for (const vmk of host.vmks) await recordHostIp(host, vmk);
    }
    for (const dvs of snapshot.dvSwitches) if (!wireOfSwitch.has(dvsKeyOf(dvs))) wireOfSwitch.set(dvsKeyOf(dvs), await decideWire(dvsKeyOf(dvs), switches.get(dvsKeyOf(dvs))!));

    async function recordHostIp(host: SnapshotHost, vmk: SnapshotHost['vmks'][number]): Promise<void> {
      if (!vmk.ip) return;
      const where = `${host.name} ${vmk.name} ${vmk.ip}`;
      const address = safeAddress(vmk.ip);
      if (!address) return void errors.push(`${where}: not an IP address`);
      const pg = vmkPortgroup(host, vmk);
      let subnet = await containing(address);
      if (!subnet) {
        const length = address.family === 4 && vmk.netmask ? netmaskLength(vmk.netmask) : null;
        const wireId = pg ? wireOfSwitch.get(pg.switchKey) : undefined;
        if (length === null || wireId === undefined) return void errors.push(`${where}: no subnet contains it, and its netmask or switch is unknown, so none was created`);
        const prefix = parsePrefix(`${formatAddress(4, address.value & ~((1n << BigInt(32 - length)) - 1n))}/${length}`);
        const gateway = host.gateway && safeAddress(host.gateway);
        const gatewayFits = gateway && gateway.value >= prefix.network && gateway.value <= prefix.last && !specialRole(prefix, gateway.value) && gateway.value !== address.value;
        try {
          const wire = await findWireById(tx, wireId);
          await createSubnet(context, {
            name: await freeSubnetName(tx, `auto-${prefix.text.replace('/', '-')}`),
            wire: wire!.name,
            cidr: prefix.text,
            vlan: pg && pg.vlan <= 4094 ? pg.vlan : 0,
            gateway: gatewayFits ? gateway.text : null,
          });
        } catch (error) {
          return void errors.push(`${where}: subnet ${prefix.text} could not be created: ${messageOf(error)}`);
        }
        subnet = await containing(address);
      }
      const owner = `${host.name}/${vmk.name}`;
      const held = await findAddress(tx, space.id, addressKey(address.family, address.value));
      if (held?.owner_kind === 'host-interface' && held.owner_id === owner) return;
      if (held) return void conflicts.push({ kind: 'host-ip', message: `${where} is already ${describeHolder(held)}`, evidence: [where] });
      try {
        await allocate(context, { subnet: subnet!.name, address: address.text, owner: { kind: 'host-interface', id: owner }, note: `seen by sync of ${accountName}` });
      } catch (error) {
        errors.push(`${where}: ${messageOf(error)}`);
      }
    }

    // 3. VMs, their vNICs and IPs.
    const seenVms = new Set<string>();
    for (const vm of counted([...snapshot.vms].sort((a, b) => a.name.localeCompare(b.name)))) {
      const uuid = vm.instanceUuid ?? vm.uuid;
      if (!uuid) {
        errors.push(`VM ${vm.name}: no UUID`);
        continue;
      }
      const hostName = vm.hostMoref ? hostNames.get(vm.hostMoref) : undefined;
      const stored = vm.hostMoref ? portgroupsStored.get(vm.hostMoref) : undefined;
      try {
        await upsertVm(context, {
          uuid,
          biosUuid: vm.uuid,
          name: vm.name,
          host: hostName ?? null,
          powerState: vm.powerState,
          toolsState: vm.toolsRunning ? 'running' : 'notRunning',
          sourceAccount: accountName,
          externalId: `${instance}:${vm.moref}`,
          vnics: vm.nics.map((nic) => {
            const pg = vnicPortgroup(vm, nic);
            return {
              mac: nic.mac,
              portgroup: pg && stored?.has(pg.name) ? pg.name : null,
              networkName: pg?.name ?? (nic.backing.kind === 'other' ? nic.backing.description : null),
              connected: nic.connected,
              observedIps: nic.ips.filter((ip) => safeAddress(ip)),
            };
          }),
        });
        seenVms.add(uuid);
      } catch (error) {
        errors.push(`VM ${vm.name}: ${messageOf(error)}`);
        continue;
      }
      syncIps += await attachVmIps(vm, uuid);
    }
    onProgress(done, total);

    async function attachVmIps(vm: SnapshotVm, uuid: string): Promise<number> {
      const unattached: UnattachedIp[] = [];
      const attached = new Set<string>();
      for (const nic of vm.nics) {
        const owner = `${uuid}/${nic.mac}`;
        const pg = vnicPortgroup(vm, nic);
        const wireId = pg ? wireOfSwitch.get(pg.switchKey) : undefined;
        for (const ip of nic.ips) {
          const address = safeAddress(ip);
          if (!address || !manageable(address)) continue;
          const verdict = await attachable(address, pg, wireId, owner);
          if ('reason' in verdict) {
            unattached.push({ address: address.text, mac: nic.mac, reason: verdict.reason });
            continue;
          }
          attached.add(`${owner}|${address.text}`);
          if (!verdict.held) await allocate(context, { subnet: verdict.subnet.name, address: address.text, owner: { kind: 'vnic', id: owner }, note: `${vm.name} seen by sync of ${accountName}` });
        }
      }
      if (snapshot.complete) {
        for (const record of await listOwnedBy(tx, 'vnic', `${uuid}/`)) {
          if (attached.has(`${record.owner_id}|${record.address}`)) continue;
          // A NIC whose guest reports nothing (tools off, VM off, freshly provisioned) keeps its address.
          const nic = vm.nics.find((candidate) => `${uuid}/${candidate.mac}` === record.owner_id);
          if (nic && (!vm.toolsRunning || nic.ips.length === 0)) continue;
          await release(context, { address: record.address });
        }
      }
      const ref = { kind: 'vm' as const, name: uuid };
      const current = (await listTags(context, ref)).sync_ips;
      const wanted = unattached.length ? JSON.stringify(unattached) : undefined;
      if (wanted && wanted !== current) await setTag(context, ref, 'sync_ips', wanted);
      if (!wanted && current !== undefined) await deleteTag(context, ref, 'sync_ips');
      return unattached.length;
    }

    /** The subnet an IP attaches in (and whether this vNIC already holds it), or why it does not attach. */
    async function attachable(address: IpAddress, pg: PortgroupInfo | undefined, wireId: number | undefined, owner: string): Promise<{ reason: string } | { subnet: SubnetWithNames; held: boolean }> {
      const because = (reason: string) => ({ reason });
      const subnet = await containing(address);
      if (!subnet) return because('no subnet contains it: add a subnet that contains it on the right wire and sync again');
      if (!pg || wireId === undefined) return because(`its vNIC is on no known port group, so its wire is unknown (subnet '${subnet.name}' is on wire '${subnet.wire_name}')`);
      if (subnet.wire_id !== wireId) {
        const wire = await findWireById(tx, wireId);
        return because(`subnet '${subnet.name}' is on wire '${subnet.wire_name}', but port group '${pg.name}' is on wire '${wire?.name ?? wireId}'`);
      }
      if (!vlanFits(subnet, pg)) return because(`VLAN mismatch: subnet '${subnet.name}' is VLAN ${subnet.vlan}, port group '${pg.name}' is ${pg.vlan === 4095 ? 'a trunk' : `VLAN ${pg.vlan}`}`);
      const prefix = parsePrefix(subnet.cidr);
      const role = specialRole(prefix, address.value) ?? (subnet.gateway === address.text ? 'gateway' : null);
      if (role) return because(`special address: the ${role} of subnet '${subnet.name}'`);
      const held = await findAddress(tx, space.id, addressKey(address.family, address.value));
      if (held && !(held.owner_kind === 'vnic' && held.owner_id === owner)) {
        if (held.owner_kind === 'vnic') conflicts.push({ kind: 'duplicate-ip', message: `${address.text} is seen on two VMs; the first owner keeps it`, evidence: [`held by vnic ${held.owner_id}`, `seen on vnic ${owner}`] });
        return because(`already owned by ${describeHolder(held)}`);
      }
      return { subnet, held: held !== undefined };
    }

    // 4. Removals, only from a complete snapshot.
    if (snapshot.complete) {
      const seenHosts = new Set(snapshot.hosts.map(hostKey));
      const at = context.now().toISOString();
      for (const row of await listSourcedIds(tx, 'hosts', `${instance}:`)) {
        if (seenHosts.has(row.external_id)) continue;
        await markRemoved(tx, 'hosts', row.id, at);
        for (const record of await listOwnedBy(tx, 'host-interface', `${row.name}/`)) await release(context, { address: record.address });
        await insertChanges(tx, [changeEntry(context, 'host', { id: row.id, name: row.name }, 'delete', { name: row.name, externalId: row.external_id }, null)]);
      }
      // VMs by instance UUID: morefs are not what identifies a VM.
      for (const row of await listSourcedIds(tx, 'vms', `${instance}:`)) {
        if (seenVms.has(row.uuid)) continue;
        await markRemoved(tx, 'vms', row.id, at);
        for (const record of await listOwnedBy(tx, 'vnic', `${row.uuid}/`)) await release(context, { address: record.address });
        await insertChanges(tx, [changeEntry(context, 'vm', { id: row.id, name: row.name }, 'delete', { name: row.name, uuid: row.uuid }, null)]);
      }
    }

    const counts: SyncSummary['counts'] = {};
    for (const { object_kind, action, n } of await countChangesSince(tx, firstChange, context.actor.name)) {
      const entry = (counts[object_kind] ??= { ...NO_CHANGE });
      if (action === 'create' || action === 'allocate' || action === 'reserve') entry.created += n;
      else if (action === 'delete' || action === 'release') entry.removed += n;
      else entry.updated += n;
    }
    return { account: accountName, complete: snapshot.complete, counts, syncIps, conflicts, errors, gaps: snapshot.gaps };
  });
}

function vlanFits(subnet: SubnetWithNames, pg: PortgroupInfo): boolean {
  if (pg.vlan === 4095) return pg.trunk.length === 0 || pg.trunk.some((range) => subnet.vlan >= range.first && subnet.vlan <= range.last);
  return subnet.vlan === pg.vlan;
}

function safeAddress(text: string): IpAddress | null {
  try {
    return parseAddress(text);
  } catch {
    return null;
  }
}

function messageOf(error: unknown): string {
  return error instanceof HostwireError || error instanceof Error ? error.message : String(error);
}

async function freeSubnetName(conn: Conn, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    if (!(await findSubnet(conn, name))) return name;
  }
}

/** vCenter gives a physical NIC no link speed while its link is down. */
function pnicLinks(host: SnapshotHost): Record<string, LinkState> {
  return Object.fromEntries(host.pnics.map((pnic) => [pnic.name, pnic.speedMb ? 'up' : 'down']));
}

/** The host's network as hostwire interfaces: NICs, vSwitches, DVS membership, port groups, vmks. */
export function interfaceSpecs(host: SnapshotHost, dvsByUuid: Map<string, SnapshotDvs>): InterfaceSpec[] {
  const specs: InterfaceSpec[] = [];
  for (const pnic of host.pnics) {
    specs.push({ kind: 'physical', name: pnic.name, ...(pnic.mac ? { mac: pnic.mac } : {}), ...(pnic.speedMb ? { speedMbps: pnic.speedMb } : {}), ...(pnic.driver ? { driver: pnic.driver } : {}) } as InterfaceSpec);
  }
  for (const vswitch of host.vswitches) {
    specs.push({
      kind: 'vswitch',
      name: vswitch.name,
      uplinks: vswitch.uplinks,
      ...(vswitch.mtu && vswitch.mtu >= 68 && vswitch.mtu <= 9216 ? { mtu: vswitch.mtu } : {}),
      ...(vswitch.ports && vswitch.ports >= 8 && vswitch.ports <= 4096 ? { ports: vswitch.ports } : {}),
      ...(vswitch.teaming ? { teaming: vswitch.teaming } : {}),
    } as InterfaceSpec);
  }
  for (const pg of host.portgroups) {
    specs.push({ kind: 'portgroup', name: pg.name, switch: pg.vswitch, vlan: pg.vlan, ...(pg.teaming ? { teaming: pg.teaming } : {}) } as InterfaceSpec);
  }
  const names = new Set(specs.map((spec) => spec.name));
  const dvPortgroupNames = new Map<string, string>();
  for (const membership of host.dvsMembership) {
    const dvs = dvsByUuid.get(membership.dvsUuid);
    const dvsName = names.has(membership.dvsName) ? `${membership.dvsName} (dvs)` : membership.dvsName;
    names.add(dvsName);
    specs.push({ kind: 'dvswitch', name: dvsName, uplinks: membership.uplinks.filter((uplink) => host.pnics.some((pnic) => pnic.name === uplink)), externalId: membership.dvsUuid, ...(dvs?.mtu && dvs.mtu >= 68 && dvs.mtu <= 9216 ? { mtu: dvs.mtu } : {}) } as InterfaceSpec);
    for (const pg of dvs?.portgroups ?? []) {
      const name = names.has(pg.name) ? `${pg.name} (${dvs!.name})` : pg.name;
      names.add(name);
      dvPortgroupNames.set(`${dvs!.uuid}/${pg.key}`, name);
      specs.push({
        kind: 'portgroup',
        name,
        switch: dvsName,
        vlan: pg.vlan.kind === 'vlan' ? pg.vlan.vlan : pg.vlan.kind === 'trunk' ? 4095 : 0,
        ...(pg.vlan.kind === 'trunk' ? { trunk: pg.vlan.ranges } : {}),
        ...(pg.vlan.kind === 'pvlan' && pg.vlan.pvlan >= 1 ? { pvlan: pg.vlan.pvlan } : {}),
        ...(pg.teaming ? { teaming: pg.teaming } : {}),
      } as InterfaceSpec);
    }
  }
  for (const vmk of host.vmks) {
    const attachment = vmk.attachment.kind === 'portgroup' ? vmk.attachment.portgroup : dvPortgroupNames.get(`${vmk.attachment.dvsUuid}/${vmk.attachment.portgroupKey}`);
    if (!attachment) continue;
    const length = vmk.ip && vmk.netmask ? netmaskLength(vmk.netmask) : null;
    specs.push({
      kind: 'vmk',
      name: vmk.name,
      attachment,
      ...(vmk.ip && length !== null ? { addresses: [`${vmk.ip}/${length}`] } : {}),
      ...(vmk.mac ? { mac: vmk.mac } : {}),
      ...(vmk.mtu && vmk.mtu >= 68 && vmk.mtu <= 9216 ? { mtu: vmk.mtu } : {}),
      services: vmk.services,
    } as InterfaceSpec);
  }
  return specs;
}
