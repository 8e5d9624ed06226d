/**
 * A simulated vCenter for tests and benchmarks: test/vcsim/*.go (govmomi's simulator, from the
 * Debian packages golang-go and golang-github-vmware-govmomi-dev) built once per source hash into
 * the temporary folder, started per scenario on a free loopback port. See main.go for the scenario
 * format and what it becomes in the vSphere API.
 *
 *   const vc = await startVcsim(readScenario('seeds'));
 *   // vc.url = https://127.0.0.1:PORT/sdk, log in with vc.username / vc.password, trust vc.certPem
 *   await vc.stop();
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE_DIR = dirname(fileURLToPath(import.meta.url));
const GOPATH = '/usr/share/gocode';
const GOVMOMI = join(GOPATH, 'src/github.com/vmware/govmomi/simulator');
const MISSING =
  'the vCenter simulator needs the Go toolchain and govmomi: install the Debian packages golang-go and golang-github-vmware-govmomi-dev ' +
  '(sudo apt-get install golang-go golang-github-vmware-govmomi-dev)';

// ---------------------------------------------------------------------------------------------
// Scenario (mirrors scenario.go; main.go documents every field).

export type NicService = 'management' | 'vmotion' | 'vsan' | 'ft' | 'provisioning' | 'replication';
export type TeamingPolicyName = 'loadbalance_srcid' | 'loadbalance_srcmac' | 'loadbalance_ip' | 'failover_explicit' | 'loadbalance_loadbased';

export interface ScenarioTeaming {
  policy?: TeamingPolicyName;
  active?: string[];
  standby?: string[];
  notifySwitches?: boolean;
  /** false = fail back. */
  rollingOrder?: boolean;
  checkBeacon?: boolean;
}

export interface ScenarioPnic {
  name: string;
  mac?: string;
  /** 0 = link down; default 10000. */
  speedMb?: number;
  driver?: string;
}

export interface ScenarioVswitch {
  name: string;
  uplinks?: string[];
  mtu?: number;
  ports?: number;
  teaming?: ScenarioTeaming;
}

export interface ScenarioPortgroup {
  name: string;
  vswitch: string;
  vlan?: number;
  /** An override: only the fields given. */
  teaming?: ScenarioTeaming;
}

export interface ScenarioVmk {
  name: string;
  portgroup?: string;
  dvs?: string;
  dvportgroup?: string;
  /** "10.1.1.51" with netmask, or "10.1.1.51/24"; none = DHCP. */
  ip?: string;
  netmask?: string;
  mac?: string;
  mtu?: number;
  netstack?: 'defaultTcpipStack' | 'vmotion' | 'vSphereProvisioning';
  services?: NicService[];
}

export interface ScenarioHost {
  name: string;
  uuid?: string;
  connectionState?: 'connected' | 'disconnected' | 'notResponding';
  pnics?: ScenarioPnic[];
  vswitches?: ScenarioVswitch[];
  portgroups?: ScenarioPortgroup[];
  vmks?: ScenarioVmk[];
  gateway?: string;
}

export interface ScenarioDvPortgroup {
  name: string;
  /** At most one of vlan, trunk, pvlan; none = VLAN 0. */
  vlan?: number;
  trunk?: { start: number; end: number }[];
  pvlan?: number;
  ports?: number;
  teaming?: ScenarioTeaming;
}

export interface ScenarioDvs {
  name: string;
  uuid?: string;
  mtu?: number;
  uplinkNames?: string[];
  hosts?: { host: string; uplinks?: string[] }[];
  portgroups?: ScenarioDvPortgroup[];
}

export interface ScenarioNic {
  mac: string;
  portgroup?: string;
  dvportgroup?: string;
  /** A /prefix is allowed and fills guest.net[].ipConfig. */
  ips?: string[];
  connected?: boolean;
}

export interface ScenarioVm {
  name: string;
  uuid?: string;
  instanceUuid?: string;
  host: string;
  powerState?: 'poweredOn' | 'poweredOff' | 'suspended';
  toolsRunning?: boolean;
  guestId?: string;
  nics?: ScenarioNic[];
}

export interface Scenario {
  datacenter?: string;
  instanceUuid?: string;
  datastore?: string;
  clusters?: { name: string; hosts?: ScenarioHost[] }[];
  standaloneHosts?: ScenarioHost[];
  dvs?: ScenarioDvs[];
  vms?: ScenarioVm[];
  generate?: { hosts: number; vmsPerHost?: number; cluster?: string };
  /** Milliseconds per SOAP method name; "*" delays every call. */
  delays?: Record<string, number>;
}

/** A scenario shipped in test/vcsim/scenarios, by file name without .json. */
export function readScenario(name: string): Scenario {
  return JSON.parse(readFileSync(join(SOURCE_DIR, 'scenarios', `${name}.json`), 'utf8')) as Scenario;
}

// ---------------------------------------------------------------------------------------------
// Build.

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stdout, stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

let building: Promise<string> | undefined;

/**
 * The simulator binary, built on first use into os.tmpdir()/hostwire-vcsim-<hash>/vcsim, where the
 * hash covers the Go sources and the Go version; later calls (and later runs) reuse it.
 */
export function buildVcsim(): Promise<string> {
  building ??= buildOnce().catch((error: unknown) => {
    building = undefined;
    throw error;
  });
  return building;
}

async function buildOnce(): Promise<string> {
  let goVersion: string;
  try {
    goVersion = (await run('go', ['version'])).stdout.trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `go not found: ${MISSING}` : `go version failed (${String(error)}): ${MISSING}`);
  }
  if (!existsSync(GOVMOMI)) throw new Error(`${GOVMOMI} not found: ${MISSING}`);
  const hash = createHash('sha256').update(goVersion);
  for (const file of readdirSync(SOURCE_DIR).filter((name) => name.endsWith('.go')).sort()) {
    hash.update(`\0${file}\0`).update(readFileSync(join(SOURCE_DIR, file)));
  }
  const dir = join(tmpdir(), `hostwire-vcsim-${hash.digest('hex').slice(0, 16)}`);
  const binary = join(dir, 'vcsim');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const partial = join(dir, `vcsim.${process.pid}.partial`);
  try {
    await run('go', ['build', '-o', partial, '.'], {
      cwd: SOURCE_DIR,
      env: { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', GOCACHE: join(tmpdir(), 'hostwire-vcsim-gocache') },
    });
  } catch (error) {
    rmSync(partial, { force: true });
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`building the vCenter simulator failed (is golang-github-vmware-govmomi-dev installed?):\n${stderr || String(error)}`);
  }
  // Parallel test processes may build at once: each writes its own file, the rename is atomic.
  renameSync(partial, binary);
  // Builds of older sources are dead weight (~25 MB each); a running one keeps its inode.
  for (const name of readdirSync(tmpdir())) {
    if (/^hostwire-vcsim-[0-9a-f]{16}$/.test(name) && join(tmpdir(), name) !== dir) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  return binary;
}

// ---------------------------------------------------------------------------------------------
// Run.

export interface VcsimOptions {
  /** HTTPS with the simulator's self-signed certificate; default true. */
  tls?: boolean;
  /** The only credentials that log in; default administrator@vsphere.local / VMware1!. */
  username?: string;
  password?: string;
  /** How long building the estate may take; default 180 s (generated estates are slow). */
  startTimeoutMs?: number;
}

export interface Vcsim {
  /** https://127.0.0.1:PORT/sdk (http:// without TLS). */
  url: string;
  /** SHA-256 of the server certificate, colon-separated upper-case hex; '' without TLS. */
  thumbprint: string;
  /** PEM of the server certificate, to trust as a CA; '' without TLS. */
  certPem: string;
  instanceUuid: string;
  username: string;
  password: string;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
}

interface Startup {
  url: string;
  thumbprint: string;
  certPem: string;
  instanceUuid: string;
}

export async function startVcsim(scenario: object, options: VcsimOptions = {}): Promise<Vcsim> {
  const binary = await buildVcsim();
  const username = options.username ?? 'administrator@vsphere.local';
  const password = options.password ?? 'VMware1!';
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-vcsim-run-'));
  const file = join(dir, 'scenario.json');
  writeFileSync(file, JSON.stringify(scenario));
  const args = ['-scenario', file, '-listen', '127.0.0.1:0', '-username', username, '-password', password, '-stdin-watch'];
  if (options.tls ?? true) args.push('-tls');
  // stdin stays open: if this process dies without stop(), the simulator sees EOF and exits.
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-64 * 1024);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
    child.stdin.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const startup = await new Promise<Startup>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vcsim did not start within ${options.startTimeoutMs ?? 180_000} ms\n${stderr}`));
    }, options.startTimeoutMs ?? 180_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.includes('\n')) return;
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout.slice(0, newline)) as Startup);
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`vcsim printed something other than its startup JSON: ${stdout.slice(0, newline)}\n${stderr}`));
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vcsim exited with status ${code} before serving${code === 2 ? ' (scenario error)' : ''}:\n${stderr.trim()}`));
    });
  });

  return {
    ...startup,
    username,
    password,
    async stop() {
      if (!running) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
