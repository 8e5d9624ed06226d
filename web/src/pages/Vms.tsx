/**
 * VMs with their attached IPs and the unattached ones with the reason (sync_ips), and a VM's page
 * that proposes the subnet which would own its unattached IPs: the /24 around them, on the wire
 * and VLAN of the VM's port group; once created, a re-sync (or attaching the IP now) takes them.
 */
import { useState } from 'react';
import { familyBits, formatAddress, parseAddress } from '../../../src/domain/address.ts';
import { api, enc, fetchAll } from '../api.ts';
import { ErrorNote, Field, Loading, Pager } from '../components.tsx';
import { useApi, usePaged } from '../hooks.ts';
import { Link, setParams, useLocation } from '../router.tsx';
import { useMay } from '../session.tsx';
import type { Portgroup, Subnet, Vm, Wire } from '../types.ts';
import { wireOf } from '../wiring.ts';
import { SyncButton } from './Sync.tsx';

type VmIp = Vm['nics'][number]['ips'][number];

function IpList({ ips }: { ips: VmIp[] }) {
  return (
    <ul className="plain">
      {ips.map((ip) => (
        <li key={ip.address}>
          {ip.subnet ? (
            <>
              {ip.address} <span className="muted">in</span> <Link to={`/subnets/${enc(ip.subnet)}`}>{ip.subnet}</Link>
            </>
          ) : (
            <span className="unattached">
              {ip.address}: {ip.reason}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

export function Vms() {
  const { params } = useLocation();
  const q = params.get('q') ?? '';
  const host = params.get('host') ?? '';
  const list = usePaged<Vm>('/api/v1/vms', { q, host });
  return (
    <section>
      <h1>VMs</h1>
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <Field label="Name contains">
          <input type="search" value={q} onChange={(event) => setParams({ q: event.target.value, host })} />
        </Field>
        <Field label="Host">
          <input type="search" value={host} onChange={(event) => setParams({ q, host: event.target.value })} />
        </Field>
      </form>
      <table>
        <thead>
          <tr>
            <th scope="col">VM</th>
            <th scope="col">Host</th>
            <th scope="col">Power</th>
            <th scope="col">Attached IPs</th>
            <th scope="col">Unattached IPs</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((vm) => {
            const ips = vm.nics.flatMap((nic) => nic.ips);
            return (
              <tr key={vm.uuid}>
                <td>
                  <Link to={`/vms/${enc(vm.uuid)}`}>{vm.name}</Link>
                </td>
                <td>{vm.host ? <Link to={`/hosts/${enc(vm.host)}`}>{vm.host}</Link> : '—'}</td>
                <td>{vm.powerState}</td>
                <td>
                  <IpList ips={ips.filter((ip) => ip.subnet)} />
                </td>
                <td>
                  <IpList ips={ips.filter((ip) => !ip.subnet)} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <Pager list={list} noun="VMs" />
    </section>
  );
}

/** The prefix around an address a new subnet would take: the /24 of an IPv4 address, the /64 of an IPv6 one. */
function surroundingPrefix(address: string): string {
  const ip = parseAddress(address);
  const length = ip.family === 4 ? 24 : 64;
  const hostBits = BigInt(familyBits(ip.family) - length);
  return `${formatAddress(ip.family, (ip.value >> hostBits) << hostBits)}/${length}`;
}

interface Proposal {
  mac: string;
  address: string;
  cidr: string;
  wire: string;
  vlan: number;
}

export function VmPage({ uuid }: { uuid: string }) {
  const vm = useApi<Vm>(`/api/v1/vms/${enc(uuid)}`);
  const portgroups = useApi<{ items: Portgroup[] }>(vm.data?.host ? `/api/v1/port-groups?host=${enc(vm.data.host)}&limit=1000` : null);
  if (vm.error) return <ErrorNote error={vm.error} />;
  if (!vm.data) return <Loading what="the VM" />;
  const data = vm.data;
  return (
    <section>
      <p className="crumbs">
        <Link to="/vms">VMs</Link> / {data.name}
      </p>
      <h1>{data.name}</h1>
      <dl className="facts">
        <dt>UUID</dt>
        <dd>{data.uuid}</dd>
        <dt>Host</dt>
        <dd>{data.host ? <Link to={`/hosts/${enc(data.host)}`}>{data.host}</Link> : '—'}</dd>
        <dt>Power / tools</dt>
        <dd>
          {data.powerState} / {data.toolsState}
        </dd>
        <dt>Synced from</dt>
        <dd>{data.sourceAccount ?? 'not synced (declared by hand)'}</dd>
      </dl>
      <h2>Network adapters</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">MAC</th>
            <th scope="col">Port group</th>
            <th scope="col">Wire / VLAN</th>
            <th scope="col">Connected</th>
            <th scope="col">IPs</th>
          </tr>
        </thead>
        <tbody>
          {data.nics.map((nic) => {
            const pg = portgroups.data?.items.find((candidate) => candidate.name === nic.portgroup);
            return (
              <tr key={nic.mac}>
                <td>{nic.mac}</td>
                <td>{nic.portgroup ?? '—'}</td>
                <td>{pg ? `${pg.wire ?? 'no wire mapped'} / VLAN ${pg.vlan}` : '—'}</td>
                <td>{nic.connected ? 'yes' : 'no'}</td>
                <td>
                  <IpList ips={nic.ips} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {data.nics.flatMap((nic) =>
        nic.ips
          .filter((ip) => !ip.subnet)
          .map((ip) => <ProposeSubnet key={ip.address} vm={data} mac={nic.mac} address={ip.address} portgroup={portgroups.data?.items.find((candidate) => candidate.name === nic.portgroup)} onChange={vm.reload} />),
      )}
    </section>
  );
}

/** The wire of the VM's port group (mapped, or inferred from the subnets of its VLAN). */
async function proposeWire(portgroup: Portgroup | undefined): Promise<string> {
  if (!portgroup) return '';
  if (portgroup.wire) return portgroup.wire;
  return wireOf(portgroup, await fetchAll<Subnet>('/api/v1/subnets', { vlan: String(portgroup.vlan) })).wire ?? '';
}

function ProposeSubnet({ vm, mac, address, portgroup, onChange }: { vm: Vm; mac: string; address: string; portgroup: Portgroup | undefined; onChange: () => void }) {
  const mayCreate = useMay('admin');
  const mayOperate = useMay('operator');
  const wires = useApi<{ items: Wire[] }>('/api/v1/wires?limit=1000');
  const [proposal, setProposal] = useState<Proposal>();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string>();
  const [error, setError] = useState<string>();

  const open = async () => {
    setError(undefined);
    try {
      const cidr = surroundingPrefix(address);
      setProposal({ mac, address, cidr, wire: await proposeWire(portgroup), vlan: portgroup?.vlan ?? 0 });
      setName(`net-${cidr.replace(/[/:.]/g, '-').replace(/-+/g, '-')}`);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  const create = async () => {
    if (!proposal) return;
    setError(undefined);
    try {
      const subnet = await api<Subnet>('/api/v1/subnets', { method: 'POST', body: { name, cidr: proposal.cidr, wire: proposal.wire, vlan: proposal.vlan } });
      setCreated(subnet.name);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  // What a sync would do for an IP inside a subnet on the VM's wire: take it for this vNIC.
  const attach = async () => {
    setError(undefined);
    try {
      await api(`/api/v1/subnets/${enc(created!)}/allocations`, { method: 'POST', body: { address, owner: { kind: 'vnic', id: `${vm.uuid}/${mac}` } } });
      onChange();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  return (
    <div className="proposal" aria-label={`Subnet for ${address}`} role="region">
      <h2>{address} has no subnet</h2>
      {!proposal && (
        <button type="button" onClick={open} disabled={!mayCreate} title={mayCreate ? undefined : 'Creating a subnet needs an admin token'}>
          Propose the subnet that would own {address}
        </button>
      )}
      {proposal && !created && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void create();
          }}
          aria-label="Create the proposed subnet"
        >
          <p>
            The /24 around {address}, on the wire and VLAN of port group <strong>{portgroup?.name ?? '—'}</strong>:
          </p>
          <div className="row">
            <Field label="Subnet name">
              <input value={name} onChange={(event) => setName(event.target.value)} required />
            </Field>
            <Field label="CIDR">
              <input value={proposal.cidr} onChange={(event) => setProposal({ ...proposal, cidr: event.target.value })} required />
            </Field>
            <Field label="Wire">
              <select value={proposal.wire} onChange={(event) => setProposal({ ...proposal, wire: event.target.value })} required>
                <option value="">choose a wire</option>
                {wires.data?.items.map((wire) => (
                  <option key={wire.name} value={wire.name}>
                    {wire.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="VLAN">
              <input type="number" min={0} max={4094} value={proposal.vlan} onChange={(event) => setProposal({ ...proposal, vlan: Number(event.target.value) })} />
            </Field>
          </div>
          <button type="submit" className="primary">
            Create subnet {proposal.cidr}
          </button>
        </form>
      )}
      {created && (
        <div role="status">
          <p>
            Subnet <Link to={`/subnets/${enc(created)}`}>{created}</Link> now contains {address}.{' '}
            {vm.sourceAccount ? `Sync ${vm.sourceAccount} again to attach it.` : 'This VM is not synced from vCenter: attach the IP to its adapter now.'}
          </p>
          {vm.sourceAccount && mayOperate && <SyncButton account={vm.sourceAccount} onDone={onChange} />}
          {!vm.sourceAccount && mayOperate && (
            <button type="button" className="primary" onClick={attach}>
              Attach {address} to {mac}
            </button>
          )}
        </div>
      )}
      <ErrorNote error={error} />
    </div>
  );
}
