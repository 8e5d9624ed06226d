/**
 * The web UI in a real browser: Debian's chromium driven by playwright-core against
 * `hostwire serve --demo` on a loopback port, logged in with a token from `hostwire token create`.
 * Screenshots of the main pages go to test/screenshots/ (not committed).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { startVcsim } from './vcsim/harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'hostwire.js');
const WEB = join(ROOT, 'web');
const SCREENSHOTS = join(ROOT, 'test', 'screenshots');
const CHROMIUM = '/usr/bin/chromium';

function newest(path: string): number {
  const stat = statSync(path);
  return stat.isDirectory() ? Math.max(stat.mtimeMs, ...readdirSync(path).map((entry) => newest(join(path, entry)))) : stat.mtimeMs;
}

/** Builds web/dist when it is missing or older than the UI's sources (npm ci builds it; an edit may not have). */
async function ensureBuilt(): Promise<void> {
  const index = join(WEB, 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(newest(join(WEB, 'src')), newest(join(WEB, 'index.html')))) return;
  await build({ configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
}

function cli(db: string, ...args: string[]): string {
  const result = spawnSync(process.execPath, [BIN, '--db', db, ...args], { encoding: 'utf8', env: { ...process.env, HOSTWIRE_DB: '' } });
  assert.equal(result.status, 0, `hostwire ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Starts `hostwire serve --demo` on a free loopback port and resolves with its URL. */
function serve(db: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, '--db', db, 'serve', '--demo', '--listen', '127.0.0.1:0'], { env: { ...process.env, HOSTWIRE_DB: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /hostwire listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`hostwire serve exited with ${code}: ${stderr}`)));
  });
}

/**
 * Chromium logs every 4xx response as a console error. These are the UI working as designed: the
 * 401s of a bad or revoked token (the tests cause them; the UI returns to its login page), and the
 * 404 of /api/v1/findings on a server without the audit (the UI says "audit unavailable").
 */
function expectedRefusal(text: string, url: string): boolean {
  if (!text.startsWith('Failed to load resource: the server responded with a status of')) return false;
  return text.includes('status of 401') || (text.includes('status of 404') && new URL(url).pathname === '/api/v1/findings');
}

describe('web UI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostwire-web-'));
  const db = join(dir, 'demo.db');
  const consoleErrors: string[] = [];
  let server: { child: ChildProcess; url: string };
  let browser: BrowserContext;
  let page: Page;
  const tokens = { admin: '', operator: '', viewer: '' };

  async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' } });
    assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
    return (await response.json()) as T;
  }

  async function login(token: string): Promise<void> {
    await page.goto(`${server.url}/`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  }

  async function shoot(name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  before(async () => {
    await ensureBuilt();
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = await serve(db);
    for (const role of ['admin', 'operator', 'viewer'] as const) tokens[role] = cli(db, 'token', 'create', '--role', role, '--name', `web-${role}`);
    // A fresh profile per run (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(join(dir, 'chromium'), {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 800 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('console', (message) => {
      if (message.type() !== 'error' || expectedRefusal(message.text(), message.location().url)) return;
      consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      server?.child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the server serves the UI without a token, with content types, and keeps the API and unknown paths as problems', async () => {
    for (const path of ['/', '/index.html', '/subnets/mgmt', '/topology']) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8', path);
      assert.match(await response.text(), /<div id="root"><\/div>/);
    }
    const html = await (await fetch(`${server.url}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${server.url}${script}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    for (const path of ['/nope', '/assets/missing.js', '/api/v1/nope']) {
      const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${tokens.admin}` } });
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get('content-type'), 'application/problem+json', path);
    }
    assert.equal((await fetch(`${server.url}/api/v1/subnets`)).status, 401);
  });

  test('a bad token is refused on the login page; a good one logs in and shows the overview', async () => {
    await page.goto(`${server.url}/`);
    await page.getByLabel('API token').fill('hw_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'unknown or revoked' }).waitFor();
    await page.getByLabel('API token').fill(tokens.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    // The demo estate: esx01, esx02, xen1, ovm1; web01, web02, db01, lab-router; 5 wires; 9 subnets.
    for (const count of ['4 Hosts', '4 VMs', '5 Wires', '9 Subnets']) await page.getByRole('link', { name: count, exact: true }).waitFor();
    // Findings by severity are the audit's: the demo has a standby uplink and a bond member down.
    const findings = await api<{ items: { severity: string }[] }>('/api/v1/findings?severity=warning&limit=500');
    assert.ok(findings.items.length >= 2);
    await page.getByRole('list', { name: 'Findings by severity' }).getByRole('link', { name: `warning ${findings.items.length}` }).waitFor();
    // The token lives in sessionStorage only: never in the address bar.
    assert.ok(!page.url().includes(tokens.admin));
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hostwire.token')), tokens.admin);
    await shoot('overview');
  });

  test('every page opens from the navigation', async () => {
    await login(tokens.admin);
    const pages: [string, string, string][] = [
      ['Topology', 'Topology', 'esx01'],
      ['Subnets', 'Subnets', 'vm-web'],
      ['VMs', 'VMs', 'db01'],
      ['Hosts', 'Hosts', 'ovm1'],
      ['Findings', 'Findings', ''],
      ['Changes', 'Changes', 'create'],
      ['Overview', 'Overview', 'Subnets closest to full'],
    ];
    for (const [link, heading, content] of pages) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      if (content) await page.getByRole('main').getByText(content).first().waitFor();
      await shoot(link.toLowerCase());
    }
  });

  test('allocating an address in a subnet changes its utilization', async () => {
    await login(tokens.operator);
    const before = await api<{ utilization: { used: string; capacity: string; percent: number } }>('/api/v1/subnets/vm-db');
    await page.goto(`${server.url}/subnets/vm-db`);
    const meter = page.getByRole('meter', { name: 'vm-db utilization' });
    await meter.waitFor();
    assert.equal(Number(await meter.getAttribute('aria-valuenow')), Math.round(before.utilization.percent * 10) / 10);
    await page.getByLabel('Note', { exact: true }).fill('web test');
    await page.getByRole('button', { name: 'Allocate 1 address' }).click();
    const status = page.getByRole('status').filter({ hasText: /^Allocated 10\.51\.0\.\d+$/ });
    await status.waitFor();
    const allocated = (await status.textContent())!.replace('Allocated ', '');
    const after = await api<{ utilization: { used: string; percent: number } }>('/api/v1/subnets/vm-db');
    assert.equal(Number(after.utilization.used), Number(before.utilization.used) + 1);
    await page.getByText(`${Number(after.utilization.used)} used of ${before.utilization.capacity}`).waitFor();
    assert.equal(Number(await meter.getAttribute('aria-valuenow')), Math.round(after.utilization.percent * 10) / 10);
    await page.getByRole('cell', { name: allocated, exact: true }).waitFor();
    await shoot('subnet');
  });

  test("a host's topology shows its port groups, and failing an uplink shows what fails over", async () => {
    await login(tokens.viewer);
    await page.goto(`${server.url}/topology?host=esx01`);
    const graph = page.getByRole('group', { name: 'Topology of esx01' });
    for (const name of ['Management Network', 'VM Network', 'vMotion-1', 'vMotion-2', 'vMotion-3']) await graph.getByRole('group', { name: `portgroup ${name}` }).waitFor();
    await graph.getByRole('group', { name: 'VM web01' }).waitFor();
    await page.getByRole('group', { name: 'Simulate an uplink failure on esx01' }).getByRole('button', { name: 'vmnic0' }).click();
    const table = page.getByRole('table', { name: 'If vmnic0 goes down' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').allTextContents();
    assert.ok(rows.some((row) => row.includes('Management Network') && row.includes('vmnic0 → vmnic1') && row.includes('fails over')), rows.join('\n'));
    await shoot('topology');
  });

  test("a host's topology colours links by their observed state, and a failure simulated on top of a link already down", async () => {
    await login(tokens.viewer);
    await page.goto(`${server.url}/topology?host=ovm1`);
    const graph = page.getByRole('group', { name: 'Topology of ovm1' });
    const eth1 = graph.getByRole('group', { name: 'physical eth1, link down' });
    await eth1.waitFor();
    assert.match((await eth1.getAttribute('class'))!, /\blink-down\b/);
    await eth1.getByText('link down').waitFor();
    assert.match((await graph.getByRole('group', { name: 'physical eth0, link up' }).getAttribute('class'))!, /\blink-up\b/);
    // The edge from the dead member to its bond is drawn broken; the live one is not.
    await page.waitForFunction(() => document.querySelector('.react-flow__edge[data-id="eth1->bond0"]') !== null);
    assert.match((await graph.locator('.react-flow__edge[data-id="eth1->bond0"]').getAttribute('class'))!, /\bedge-down\b/);
    assert.doesNotMatch((await graph.locator('.react-flow__edge[data-id="eth0->bond0"]').getAttribute('class'))!, /\bedge-down\b/);
    await page.getByRole('note', { name: 'Topology legend' }).getByText('Link state from demo estate (demo)').waitFor();
    await page.getByRole('group', { name: 'Simulate an uplink failure on ovm1' }).getByRole('button', { name: 'eth0' }).click();
    const table = page.getByRole('table', { name: 'If eth0 goes down' });
    await table.waitFor();
    const rows = await table.locator('tbody tr').allTextContents();
    const bond = rows.find((row) => row.startsWith('bond bond0'));
    assert.ok(bond?.includes('eth0 → —') && bond.includes('loses connectivity') && bond.includes('eth1 was already down'), rows.join('\n'));
    await shoot('topology-links');
  });

  test("a wire's topology shows its hosts collapsed, expands one to its port groups, and highlights a search", async () => {
    await login(tokens.viewer);
    await page.goto(`${server.url}/topology`);
    await page.getByRole('group', { name: 'Topology view' }).getByRole('button', { name: 'Per wire' }).click();
    await page.getByRole('combobox', { name: /^Wire/ }).selectOption('dc1-trunk');
    // The demo's port groups carry no wire: they are placed by the subnets of their VLAN, and the page says so.
    await page.getByRole('note').filter({ hasText: 'by VLAN' }).waitFor();
    const subnets = page.getByRole('table', { name: 'Subnets of dc1-trunk' });
    await subnets.getByRole('row').filter({ hasText: 'vm-web' }).filter({ hasText: 'VM Network (2 hosts)' }).waitFor();
    await subnets.getByRole('row').filter({ hasText: 'mgmt' }).filter({ hasText: 'Management Network (2 hosts)' }).waitFor();
    const graph = page.getByRole('group', { name: 'Topology of wire dc1-trunk' });
    for (const host of ['esx01', 'esx02']) {
      const node = graph.getByRole('group', { name: `host ${host}` });
      await node.getByText('2 port groups · VLAN 50, 100').waitFor();
      assert.equal(await node.getByRole('button', { name: host, exact: true }).getAttribute('aria-expanded'), 'false');
    }
    // ovm1's bridges: vlan100 by the subnet of its address, vlan50 and vlan51 by their VLAN.
    await graph.getByRole('group', { name: 'host ovm1' }).getByText('3 bridges · VLAN 50, 51, 100').waitFor();
    assert.equal(await graph.getByRole('group', { name: /^portgroup / }).count(), 0);
    // Hosts without a port group or bridge on the wire are not drawn.
    assert.equal(await graph.getByRole('group', { name: 'host xen1' }).count(), 0);

    await graph.getByRole('button', { name: 'esx01', exact: true }).click();
    for (const name of ['Management Network', 'VM Network', 'vMotion-1', 'vMotion-2', 'vMotion-3']) {
      await graph.getByRole('group', { name: `portgroup ${name}` }).waitFor();
    }
    await graph.getByRole('group', { name: 'portgroup VM Network' }).getByText('VLAN 50 · vm-web · dc1-trunk (by VLAN)').waitFor();
    await graph.getByRole('group', { name: 'VM web01' }).waitFor();
    assert.equal(await graph.getByRole('button', { name: 'esx01', exact: true }).getAttribute('aria-expanded'), 'true');
    // esx02 stays collapsed; Enter on its node expands it, and again collapses it.
    const esx02 = graph.getByRole('group', { name: 'host esx02' });
    await esx02.focus();
    await page.keyboard.press('Enter');
    await graph.getByRole('button', { name: 'esx02', exact: true }).and(page.locator('[aria-expanded="true"]')).waitFor();
    await esx02.focus();
    await page.keyboard.press('Enter');
    await graph.getByRole('button', { name: 'esx02', exact: true }).and(page.locator('[aria-expanded="false"]')).waitFor();

    await page.getByLabel('Search hosts, port groups and VMs').fill('vMotion-2');
    const hit = graph.getByRole('group', { name: 'portgroup vMotion-2' });
    await page.waitForFunction(() => document.querySelector('[aria-label="portgroup vMotion-2"]')?.classList.contains('match'));
    assert.match((await hit.getAttribute('class'))!, /\bmatch\b/);
    assert.doesNotMatch((await graph.getByRole('group', { name: 'portgroup vMotion-1' }).getAttribute('class'))!, /\bmatch\b/);
    await graph.getByRole('group', { name: 'host esx02' }).getByText('matches: vMotion-2').waitFor();
    await page.getByLabel('Search hosts, port groups and VMs').fill('db01');
    await page.getByText('1 of 3 hosts on dc1-trunk match “db01”').waitFor();
    await page.getByLabel('Search hosts, port groups and VMs').fill('vMotion-2');
    await hit.waitFor();
    await shoot('topology-wire');
  });

  test('a VM with an unattached IP gets its proposed subnet created, and then the IP attached', async () => {
    await login(tokens.admin);
    await page.goto(`${server.url}/vms`);
    const row = page.getByRole('row').filter({ hasText: 'db01' });
    await row.getByText('192.168.77.20: no subnet contains it').waitFor();
    await row.getByRole('link', { name: 'db01' }).click();
    await page.getByRole('heading', { name: '192.168.77.20 has no subnet' }).waitFor();
    await page.getByRole('button', { name: 'Propose the subnet that would own 192.168.77.20' }).click();
    const form = page.getByRole('form', { name: 'Create the proposed subnet' });
    await form.waitFor();
    assert.equal(await form.getByLabel('CIDR').inputValue(), '192.168.77.0/24');
    assert.equal(await form.getByLabel('Wire').inputValue(), 'dc1-trunk');
    assert.equal(await form.getByLabel('VLAN').inputValue(), '50');
    await form.getByRole('button', { name: 'Create subnet 192.168.77.0/24' }).click();
    await page.getByRole('status').filter({ hasText: 'now contains 192.168.77.20' }).waitFor();
    const created = await api<{ cidr: string; wire: string; vlan: number }>('/api/v1/subnets/net-192-168-77-0-24');
    assert.deepEqual([created.cidr, created.wire, created.vlan], ['192.168.77.0/24', 'dc1-trunk', 50]);
    await page.getByRole('button', { name: 'Attach 192.168.77.20 to 00:50:56:aa:00:03' }).click();
    await page.getByRole('cell').getByRole('link', { name: 'net-192-168-77-0-24' }).waitFor();
    const vm = await api<{ nics: { ips: { address: string; subnet: string | null; reason: string | null }[] }[] }>('/api/v1/vms/4210a1b2-0c3d-4e5f-8a9b-000000000003');
    assert.deepEqual(vm.nics[0]!.ips, [{ address: '192.168.77.20', subnet: 'net-192-168-77-0-24', reason: null }]);
    await shoot('vm');
  });

  test('a host shows its interfaces, a render per format with a copy button, and its diff', async () => {
    await login(tokens.viewer);
    await page.goto(`${server.url}/hosts/ovm1`);
    const declared = page.getByRole('table', { name: 'Declared interfaces of ovm1' });
    await declared.getByRole('cell', { name: 'bond0', exact: true }).waitFor();
    await declared.getByRole('row').filter({ has: page.getByRole('cell', { name: 'eth1', exact: true }) }).getByText('down', { exact: true }).waitFor();
    // ovm1 renders as ifcfg by default (its os family); the format list offers the Linux formats.
    await page.getByText('etc/sysconfig/network-scripts/ifcfg-bond0', { exact: true }).waitFor();
    await page.getByLabel('Format').selectOption('netplan');
    await page.locator('figure.file code').filter({ hasText: /^etc\/netplan\/.+\.yaml$/ }).first().waitFor();
    assert.ok((await page.getByRole('button', { name: /^Copy / }).count()) >= 1);
    // The demo's ovm1 has facts: its second bond member has no carrier.
    await page.getByRole('table', { name: 'Differences of ovm1' }).getByRole('cell', { name: 'bond0: member eth1 is down' }).waitFor();
    await shoot('host');
    await page.goto(`${server.url}/hosts/xen1`);
    await page.getByText('No facts imported yet').waitFor();
  });

  test('a sync started from the UI shows its phase and progress, then its summary', async () => {
    // A small generated estate on a slow vCenter, so that the sync runs while the UI follows it.
    const sim = await startVcsim({ instanceUuid: 'c1a5e2f0-0000-4000-8000-00000000e0b1', generate: { hosts: 2, vmsPerHost: 2, cluster: 'web' }, delays: { Login: 300, RetrievePropertiesEx: 500 } }, { tls: true });
    try {
      await api('/api/v1/accounts', { method: 'POST', body: JSON.stringify({ name: 'vc-web', kind: 'vsphere', url: sim.url, username: sim.username, password: sim.password, ca: sim.certPem }) });
      await login(tokens.operator);
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.getByRole('button', { name: 'Sync vc-web now' }).click();
      const bar = page.getByRole('progressbar', { name: /^Sync of vc-web/ });
      await bar.waitFor();
      await page.getByRole('status').filter({ hasText: 'Sync of vc-web: reading the inventory' }).waitFor();
      await page.getByRole('status').filter({ hasText: /^succeeded; .*host \+2 .*vm \+4 / }).waitFor({ timeout: 20_000 });
      assert.equal(await bar.count(), 0, 'the progress bar is gone once the sync ended');
      await page.getByRole('cell', { name: /^succeeded at / }).waitFor();
      await shoot('sync');
    } finally {
      await sim.stop();
    }
  });

  test('a viewer is offered no operator actions', async () => {
    await login(tokens.viewer);
    await page.goto(`${server.url}/subnets/mgmt`);
    await page.getByRole('cell', { name: '10.1.1.10', exact: true }).waitFor();
    assert.equal(await page.getByRole('form', { name: 'Allocate addresses' }).count(), 0);
    assert.equal(await page.getByRole('button', { name: /^Release / }).count(), 0);
  });

  test('a revoked token sends the UI back to the login page', async () => {
    await login(tokens.operator);
    cli(db, 'token', 'revoke', 'web-operator');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Subnets', exact: true }).click();
    await page.getByLabel('API token').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('hostwire.token')), null);
  });

  test('no page logged a console error', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
