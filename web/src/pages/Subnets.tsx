/** Subnets: the list with utilization bars, and one subnet's address map, owners and IPAM actions. */
import { useEffect, useState, type FormEvent } from 'react';
import { formatAddress, parseAddress, parsePrefix, specialRole } from '../../../src/domain/address.ts';
import { api, enc, fetchAll } from '../api.ts';
import { ErrorNote, Field, Loading, Pager, UtilizationBar, UtilizationCells } from '../components.tsx';
import { useApi, usePaged } from '../hooks.ts';
import { Link, setParams, useLocation } from '../router.tsx';
import { useMay } from '../session.tsx';
import type { AddressRecord, Subnet } from '../types.ts';

export function Subnets() {
  const { params } = useLocation();
  const q = params.get('q') ?? '';
  const wire = params.get('wire') ?? '';
  const list = usePaged<Subnet>('/api/v1/subnets', { q, wire });
  return (
    <section>
      <h1>Subnets</h1>
      <form className="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <Field label="Name contains">
          <input type="search" value={q} onChange={(event) => setParams({ q: event.target.value, wire })} />
        </Field>
        <Field label="Wire">
          <input type="search" value={wire} onChange={(event) => setParams({ q, wire: event.target.value })} />
        </Field>
      </form>
      <table>
        <thead>
          <tr>
            <th scope="col">Subnet</th>
            <th scope="col">CIDR</th>
            <th scope="col">VLAN</th>
            <th scope="col">Wire</th>
            <th scope="col">Gateway</th>
            <th scope="col">Used / capacity</th>
            <th scope="col">Utilization</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((subnet) => (
            <tr key={subnet.name}>
              <td>
                <Link to={`/subnets/${enc(subnet.name)}`}>{subnet.name}</Link>
              </td>
              <td>{subnet.cidr}</td>
              <td>{subnet.vlan}</td>
              <td>{subnet.wire}</td>
              <td>{subnet.gateway ?? '—'}</td>
              <UtilizationCells subnet={subnet} />
            </tr>
          ))}
        </tbody>
      </table>
      <Pager list={list} noun="subnets" />
    </section>
  );
}

/** Address maps are drawn up to this many addresses (a /22); larger subnets show their records only. */
const MAP_LIMIT = 1024n;

type CellState = AddressRecord['state'] | 'free' | 'special';

function AddressMap({ subnet, records }: { subnet: Subnet; records: AddressRecord[] }) {
  const prefix = parsePrefix(subnet.cidr);
  const size = prefix.last - prefix.network + 1n;
  if (size > MAP_LIMIT) return <p className="muted">The map is drawn for subnets of up to {String(MAP_LIMIT)} addresses; this one has {String(size)}: see the records below.</p>;
  const byValue = new Map(records.map((record) => [parseAddress(record.address).value, record]));
  const cells: { address: string; state: CellState; title: string }[] = [];
  for (let value = prefix.network; value <= prefix.last; value++) {
    const address = formatAddress(prefix.family, value);
    const record = byValue.get(value);
    const role = specialRole(prefix, value);
    const state: CellState = record ? record.state : role ? 'special' : 'free';
    cells.push({ address, state, title: `${address}: ${record ? `${record.state}${record.owner ? ` by ${record.owner}` : ''}${record.note ? ` (${record.note})` : ''}` : (role ?? 'free')}` });
  }
  return (
    <figure className="address-map-figure">
      <div className="address-map" role="img" aria-label={`Address map of ${subnet.cidr}: ${records.length} addresses in use of ${String(size)}`}>
        {cells.map((cell) => (
          <span key={cell.address} className={`cell ${cell.state}`} title={cell.title} />
        ))}
      </div>
      <figcaption className="legend">
        {(['allocated', 'reserved', 'discovered', 'free', 'special'] as const).map((state) => (
          <span key={state}>
            <span className={`cell ${state}`} /> {state === 'special' ? 'network / broadcast' : state}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

export function SubnetPage({ name }: { name: string }) {
  const subnet = useApi<Subnet>(`/api/v1/subnets/${enc(name)}`);
  const records = usePaged<AddressRecord>('/api/v1/ips', { subnet: name }, 100);
  const [all, setAll] = useState<AddressRecord[]>();
  const [generation, setGeneration] = useState(0);
  const mayOperate = useMay('operator');

  useEffect(() => {
    fetchAll<AddressRecord>('/api/v1/ips', { subnet: name }).then(setAll, () => setAll([]));
  }, [name, generation]);
  const changed = () => {
    subnet.reload();
    records.reload();
    setGeneration((value) => value + 1);
  };

  if (subnet.error) return <ErrorNote error={subnet.error} />;
  if (!subnet.data) return <Loading what={`subnet ${name}`} />;
  const data = subnet.data;
  return (
    <section>
      <p className="crumbs">
        <Link to="/subnets">Subnets</Link> / {name}
      </p>
      <h1>
        {data.name} <span className="muted">{data.cidr}</span>
      </h1>
      <dl className="facts">
        <dt>Wire</dt>
        <dd>{data.wire}</dd>
        <dt>VLAN</dt>
        <dd>{data.vlan}</dd>
        <dt>Gateway</dt>
        <dd>{data.gateway ?? '—'}</dd>
        <dt>DNS</dt>
        <dd>{data.dns.join(', ') || '—'}</dd>
        <dt>Pools</dt>
        <dd>{data.pools.map((pool) => `${pool.first}–${pool.last}`).join(', ') || 'the whole subnet'}</dd>
        <dt>Policy</dt>
        <dd>{data.policy}</dd>
        <dt>Utilization</dt>
        <dd>
          <UtilizationBar percent={data.utilization.percent} label={`${data.name} utilization`} /> {data.utilization.used} used of {data.utilization.capacity}, {data.utilization.free} free
        </dd>
      </dl>
      {all && <AddressMap subnet={data} records={all} />}
      {mayOperate && <IpamActions subnet={data.name} onChange={changed} />}
      <h2>Addresses in use</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Address</th>
            <th scope="col">State</th>
            <th scope="col">Owner</th>
            <th scope="col">Note</th>
            {mayOperate && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {records.items.map((record) => (
            <tr key={record.address}>
              <td>{record.address}</td>
              <td>
                <span className={`badge state-${record.state}`}>{record.state}</span>
              </td>
              <td>{record.owner ?? '—'}</td>
              <td>{record.note}</td>
              {mayOperate && (
                <td>
                  <ReleaseButton record={record} onChange={changed} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <Pager list={records} noun="addresses" />
    </section>
  );
}

function ReleaseButton({ record, onChange }: { record: AddressRecord; onChange: () => void }) {
  const [error, setError] = useState<string>();
  const release = () =>
    api(`/api/v1/ips/${enc(record.address)}?space=${enc(record.space)}`, { method: 'DELETE' }).then(onChange, (failure: Error) => setError(failure.message));
  return (
    <>
      <button type="button" onClick={release} aria-label={`Release ${record.address}`}>
        Release
      </button>
      <ErrorNote error={error} />
    </>
  );
}

/** Allocate the next free addresses (or a given one) and reserve an address: operators only. */
function IpamActions({ subnet, onChange }: { subnet: string; onChange: () => void }) {
  const [count, setCount] = useState('1');
  const [address, setAddress] = useState('');
  const [note, setNote] = useState('');
  const [reserveAddress, setReserveAddress] = useState('');
  const [reserveNote, setReserveNote] = useState('');
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();

  const run = (action: Promise<string>) => {
    setError(undefined);
    setMessage(undefined);
    action.then(
      (done) => {
        setMessage(done);
        onChange();
      },
      (failure: Error) => setError(failure.message),
    );
  };
  const allocate = (event: FormEvent) => {
    event.preventDefault();
    const body = { ...(address.trim() ? { address: address.trim() } : { count: Number(count) }), ...(note ? { note } : {}) };
    run(api<{ items: AddressRecord[] }>(`/api/v1/subnets/${enc(subnet)}/allocations`, { method: 'POST', body }).then((result) => `Allocated ${result.items.map((record) => record.address).join(', ')}`));
  };
  const reserve = (event: FormEvent) => {
    event.preventDefault();
    run(api<AddressRecord>(`/api/v1/ips/${enc(reserveAddress.trim())}/reservation`, { method: 'POST', body: { subnet, ...(reserveNote ? { note: reserveNote } : {}) } }).then((record) => `Reserved ${record.address}`));
  };

  const summary = address.trim() ? `Allocate ${address.trim()}` : `Allocate ${count} address${count === '1' ? '' : 'es'}`;
  return (
    <div className="actions">
      <form onSubmit={allocate} aria-label="Allocate addresses">
        <h2>Allocate</h2>
        <Field label="How many (next free by the subnet's policy)">
          <input type="number" min={1} max={1024} value={count} onChange={(event) => setCount(event.target.value)} disabled={address.trim() !== ''} />
        </Field>
        <Field label="Or this address">
          <input value={address} onChange={(event) => setAddress(event.target.value)} placeholder="e.g. 10.1.1.60" />
        </Field>
        <Field label="Note">
          <input value={note} onChange={(event) => setNote(event.target.value)} />
        </Field>
        <button type="submit" className="primary">
          {summary}
        </button>
      </form>
      <form onSubmit={reserve} aria-label="Reserve an address">
        <h2>Reserve</h2>
        <Field label="Address to reserve">
          <input value={reserveAddress} onChange={(event) => setReserveAddress(event.target.value)} required />
        </Field>
        <Field label="Reservation note">
          <input value={reserveNote} onChange={(event) => setReserveNote(event.target.value)} />
        </Field>
        <button type="submit">Reserve</button>
      </form>
      <div className="action-result">
        {message && <p role="status">{message}</p>}
        <ErrorNote error={error} />
      </div>
    </div>
  );
}
