/**
 * The real ifupdown2 for tests, without installing it: its .deb replaces the classic ifupdown the
 * other tests need, so on first use it is fetched with `apt-get download`, unpacked with
 * `dpkg-deb -x` into node_modules/.cache, and run from there with /usr/bin/python3 (it needs only
 * the standard library). ifupdown2 picks its command from the name it is called by, so `ifup` and
 * `ifquery` are links to its __main__.py. Its configuration is the packaged one with two changes:
 * addon_syntax_check=1, so `ifup -s` also reports attributes no addon knows, and template_enable=0,
 * as no rendering is a Mako template (python3-mako is then not needed). Missing tools fail the test.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CACHE = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'hostwire-ifupdown2');
const PROGRAM = join(CACHE, 'usr', 'share', 'ifupdown2');

function run(command: string, args: string[], cwd?: string): void {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr}`);
}

/** Unpacks ifupdown2 into the cache once; concurrent test processes each unpack apart and the first rename wins. */
function ensureUnpacked(): void {
  if (existsSync(join(PROGRAM, 'ifup'))) return;
  const download = mkdtempSync(join(tmpdir(), 'hostwire-ifupdown2-deb-'));
  const staging = `${CACHE}.${process.pid}`;
  try {
    run('apt-get', ['download', 'ifupdown2'], download);
    const deb = readdirSync(download).find((name) => name.endsWith('.deb'));
    if (!deb) throw new Error(`apt-get download ifupdown2 left no .deb in ${download}`);
    mkdirSync(staging, { recursive: true });
    run('dpkg-deb', ['-x', join(download, deb), staging]);
    // ifupdown2 looks for its configuration beside its package when /etc/network/ifupdown2 has none.
    const program = join(staging, 'usr', 'share', 'ifupdown2');
    const config = join(program, 'etc', 'network', 'ifupdown2');
    mkdirSync(config, { recursive: true });
    const packaged = join(staging, 'etc', 'network', 'ifupdown2');
    writeFileSync(join(config, 'addons.conf'), readFileSync(join(packaged, 'addons.conf')));
    const settings = readFileSync(join(packaged, 'ifupdown2.conf'), 'utf8')
      .replace(/^addon_syntax_check=.*$/m, 'addon_syntax_check=1')
      .replace(/^template_enable=.*$/m, 'template_enable=0')
      .replace(/^state_dir=.*$/m, `state_dir=${join(CACHE, 'state')}/`);
    writeFileSync(join(config, 'ifupdown2.conf'), settings);
    for (const command of ['ifup', 'ifquery']) symlinkSync('__main__.py', join(program, command));
    // A cache left half-made by an interrupted run is replaced.
    if (!existsSync(join(PROGRAM, 'ifup'))) rmSync(CACHE, { recursive: true, force: true });
    try {
      renameSync(staging, CACHE);
    } catch (error) {
      if (!existsSync(join(PROGRAM, 'ifup'))) throw error;
    }
  } finally {
    rmSync(download, { recursive: true, force: true });
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface Ifupdown2Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs ifupdown2's `ifup` or `ifquery` with the given arguments. */
export function ifupdown2(command: 'ifup' | 'ifquery', args: string[]): Ifupdown2Result {
  ensureUnpacked();
  // ifup takes its lock in /run/network, which only exists where an ifupdown has run.
  mkdirSync('/run/network', { recursive: true });
  const result = spawnSync('/usr/bin/python3', [join(PROGRAM, command), ...args], { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
