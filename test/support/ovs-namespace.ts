/**
 * A "host" for Open vSwitch tests: a network namespace with its own ovsdb-server and ovs-vswitchd
 * (own database, run directory and sockets under a temporary folder), so tests never touch a
 * system OVS and two hosts can be wired together with veth pairs. Commands run inside the
 * namespace with OVS_RUNDIR pointing at that host's instance.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

export interface OvsNamespace {
  namespace: string;
  rundir: string;
  /** Runs a command in the namespace against this host's OVS; returns stdout, throws on a non-zero exit. */
  run(command: string, args: string[], options?: ExecFileSyncOptions): string;
  /** `ovs-appctl` to this host's ovs-vswitchd. */
  appctl(args: string[]): string;
}

const started: { namespace: string; rundir: string }[] = [];

export function startOvsNamespace(label: string): OvsNamespace {
  const rundir = mkdtempSync(join(tmpdir(), `hostwire-ovs-${label}-`));
  const namespace = `hostwire-${label}-${process.pid}`;
  started.push({ namespace, rundir });
  const env = { ...process.env, OVS_RUNDIR: rundir, OVS_LOGDIR: rundir, OVS_DBDIR: rundir };
  const run = (command: string, args: string[], options: ExecFileSyncOptions = {}): string =>
    execFileSync('ip', ['netns', 'exec', namespace, command, ...args], { env, encoding: 'utf8', stdio: 'pipe', ...options }).toString();
  execFileSync('ip', ['netns', 'add', namespace]);
  run('ip', ['link', 'set', 'dev', 'lo', 'up']);
  execFileSync('ovsdb-tool', ['create', join(rundir, 'conf.db'), SCHEMA]);
  const daemon = (name: string) => [`--pidfile=${join(rundir, `${name}.pid`)}`, `--unixctl=${join(rundir, `${name}.ctl`)}`, `--log-file=${join(rundir, `${name}.log`)}`, '--detach'];
  run('ovsdb-server', [join(rundir, 'conf.db'), `--remote=punix:${join(rundir, 'db.sock')}`, ...daemon('ovsdb-server')]);
  run('ovs-vsctl', ['--no-wait', 'init']);
  run('ovs-vswitchd', [`unix:${join(rundir, 'db.sock')}`, ...daemon('ovs-vswitchd')]);
  return { namespace, rundir, run, appctl: (args) => run('ovs-appctl', ['-t', join(rundir, 'ovs-vswitchd.ctl'), ...args]) };
}

/** Stops the daemons this module started (by their pid files), deletes their namespaces and folders; call from `after`. */
export function stopOvsNamespaces(): void {
  for (const { namespace, rundir } of started.splice(0)) {
    for (const name of ['ovs-vswitchd', 'ovsdb-server']) {
      const pidfile = join(rundir, `${name}.pid`);
      if (existsSync(pidfile)) stopProcess(Number(readFileSync(pidfile, 'utf8').trim()));
    }
    if (existsSync(join('/run/netns', namespace))) execFileSync('ip', ['netns', 'delete', namespace]);
    rmSync(rundir, { recursive: true, force: true });
  }
}

/** SIGTERM, then waits for the exit so the namespace is deleted with nothing left inside. */
function stopProcess(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  for (let waited = 0; waited < 100; waited++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    pause(50);
  }
  process.kill(pid, 'SIGKILL');
}

/** Retries a command until it succeeds (links and LACP take a moment to settle); the last failure is thrown. */
export function untilSucceeds<T>(attempt: () => T, attempts = 30): T {
  for (let tried = 1; ; tried++) {
    try {
      return attempt();
    } catch (error) {
      if (tried >= attempts) throw error;
      pause(500);
    }
  }
}

function pause(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}
