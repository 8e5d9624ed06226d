/** The application frame: login until a token is accepted, then the navigation and the page of the URL. */
import { useEffect, useState } from 'react';
import { api, endSession, onSessionEnded, storedToken } from './api.ts';
import { Loading } from './components.tsx';
import { Changes } from './pages/Changes.tsx';
import { Findings } from './pages/Findings.tsx';
import { HostPage, Hosts } from './pages/Hosts.tsx';
import { Login } from './pages/Login.tsx';
import { Overview } from './pages/Overview.tsx';
import { SubnetPage, Subnets } from './pages/Subnets.tsx';
import { Topology } from './pages/Topology.tsx';
import { VmPage, Vms } from './pages/Vms.tsx';
import { Link, navigate, useLocation } from './router.tsx';
import { SessionContext } from './session.tsx';
import type { Session } from './types.ts';

const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/topology', 'Topology'],
  ['/subnets', 'Subnets'],
  ['/vms', 'VMs'],
  ['/hosts', 'Hosts'],
  ['/findings', 'Findings'],
  ['/changes', 'Changes'],
];

function Page({ path }: { path: string }) {
  const [, section, name] = path.split('/').map(decodeURIComponent);
  switch (section) {
    case '':
      return <Overview />;
    case 'topology':
      return <Topology />;
    case 'subnets':
      return name ? <SubnetPage name={name} /> : <Subnets />;
    case 'vms':
      return name ? <VmPage uuid={name} /> : <Vms />;
    case 'hosts':
      return name ? <HostPage name={name} /> : <Hosts />;
    case 'findings':
      return <Findings />;
    case 'changes':
      return <Changes />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page at {path}. <Link to="/">Go to the overview</Link>.
          </p>
        </section>
      );
  }
}

export function App() {
  const { path } = useLocation();
  const [session, setSession] = useState<Session | null>(null);
  const [checking, setChecking] = useState(storedToken() !== null);

  useEffect(() => onSessionEnded(() => setSession(null)), []);
  useEffect(() => {
    if (!checking) return;
    api<Session>('/api/v1/session').then(setSession, () => endSession()).finally(() => setChecking(false));
  }, [checking]);

  if (checking) return <Loading what="your session" />;
  if (!session)
    return (
      <Login
        onLogin={(accepted) => {
          setSession(accepted);
          if (path === '/login') navigate('/', { replace: true });
        }}
      />
    );

  const active = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`));
  return (
    <SessionContext.Provider value={session}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">hostwire</span>
        <nav aria-label="Main">
          {NAV.map(([to, label]) => (
            <Link key={to} to={to} aria-current={active(to) ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <span className="who">
          {session.name} <span className="badge">{session.role}</span>
          <button type="button" onClick={endSession}>
            Sign out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        <Page path={path} />
      </main>
    </SessionContext.Provider>
  );
}
