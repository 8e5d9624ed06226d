/** The estate at a glance from GET /api/v1/summary: counts, findings by severity, each account's last sync, the fullest subnets. */
import { ErrorNote, Loading, Severity, UtilizationCells } from '../components.tsx';
import { useApi } from '../hooks.ts';
import { Link } from '../router.tsx';
import type { EstateSummary, Subnet } from '../types.ts';
import { Accounts } from './Sync.tsx';

const SEVERITY_ORDER = ['error', 'warning', 'info'] as const;

export function Overview() {
  const { data: estate, error } = useApi<EstateSummary>('/api/v1/summary');

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
            <Count label="Subnets" value={estate.subnets} to="/subnets" />
            <div className="card">
              <h2>Findings</h2>
              <ul className="plain" aria-label="Findings by severity">
                {SEVERITY_ORDER.map((severity) => (
                  <li key={severity}>
                    <Link to={`/findings?severity=${severity}`}>
                      <Severity severity={severity} /> {estate.findings[severity]}
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          </div>
          <h2>Last sync of each account</h2>
          <Accounts />
          <h2>Subnets closest to full</h2>
          <Fullest subnets={estate.fullestSubnets} />
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

function Fullest({ subnets: fullest }: { subnets: Subnet[] }) {
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
            <UtilizationCells subnet={subnet} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}
