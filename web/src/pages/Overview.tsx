/** The estate at a glance: counts, findings by severity, each account's last sync, the fullest subnets. */
import { useEffect, useState } from 'react';
import { ApiError, fetchAll } from '../api.ts';
import { ErrorNote, Loading, Severity, UtilizationBar } from '../components.tsx';
import { Link } from '../router.tsx';
import type { Finding, Subnet } from '../types.ts';
import { Accounts } from './Sync.tsx';

interface Estate {
  hosts: number;
  vms: number;
  wires: number;
  subnets: Subnet[];
  /** Null when the server has no audit (GET /api/v1/findings is a 404). */
  findings: Finding[] | null;
}

const SEVERITY_ORDER = ['error', 'warning', 'info'];

async function loadEstate(): Promise<Estate> {
  const [hosts, vms, wires, subnets, findings] = await Promise.all([
    fetchAll('/api/v1/hosts'),
    fetchAll('/api/v1/vms'),
    fetchAll('/api/v1/wires'),
    fetchAll<Subnet>('/api/v1/subnets'),
    fetchAll<Finding>('/api/v1/findings').catch((failure: unknown) => {
      if (failure instanceof ApiError && failure.status === 404) return null;
      throw failure;
    }),
  ]);
  return { hosts: hosts.length, vms: vms.length, wires: wires.length, subnets, findings };
}

export function Overview() {
  const [estate, setEstate] = useState<Estate>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    loadEstate().then(setEstate, (failure: Error) => setError(failure.message));
  }, []);

  return (
    <section>
      <h1>Overview</h1>
      <ErrorNote error={error} />
      {!estate && !error && <Loading what="the estate" />}
      {estate && (
        <>
          <div className="cards">
            <Count label="Hosts" value={estate.hosts} to="/hosts" />
            <Count label="VMs" value={estate.vms} to="/vms" />
            <Count label="Wires" value={estate.wires} to="/topology" />
            <Count label="Subnets" value={estate.subnets.length} to="/subnets" />
            <div className="card">
              <h2>Findings</h2>
              {estate.findings === null ? (
                <p className="muted">audit unavailable</p>
              ) : (
                <ul className="plain" aria-label="Findings by severity">
                  {SEVERITY_ORDER.map((severity) => (
                    <li key={severity}>
                      <Link to={`/findings?severity=${severity}`}>
                        <Severity severity={severity} /> {estate.findings!.filter((finding) => finding.severity === severity).length}
                      </Link>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </div>
          <h2>Last sync of each account</h2>
          <Accounts />
          <h2>Subnets closest to full</h2>
          <Fullest subnets={estate.subnets} />
        </>
      )}
    </section>
  );
}

function Count({ label, value, to }: { label: string; value: number; to: string }) {
  return (
    <div className="card">
      <h2>{label}</h2>
      <Link to={to} className="count" aria-label={`${value} ${label}`}>
        {value}
      </Link>
    </div>
  );
}

function Fullest({ subnets }: { subnets: Subnet[] }) {
  const fullest = [...subnets].sort((a, b) => b.utilization.percent - a.utilization.percent).slice(0, 5);
  if (!fullest.length) return <p className="muted">No subnets yet.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Subnet</th>
          <th scope="col">CIDR</th>
          <th scope="col">Wire</th>
          <th scope="col">Used</th>
          <th scope="col">Utilization</th>
        </tr>
      </thead>
      <tbody>
        {fullest.map((subnet) => (
          <tr key={subnet.name}>
            <td>
              <Link to={`/subnets/${encodeURIComponent(subnet.name)}`}>{subnet.name}</Link>
            </td>
            <td>{subnet.cidr}</td>
            <td>{subnet.wire}</td>
            <td>
              {subnet.utilization.used} / {subnet.utilization.capacity}
            </td>
            <td>
              <UtilizationBar percent={subnet.utilization.percent} label={`${subnet.name} utilization`} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
