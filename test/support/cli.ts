/**
 * The real `bin/hostwire.js` in a child process, run asynchronously so that servers this test
 * process runs (a replayed vCenter) keep answering while the CLI talks to them.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'hostwire.js');

/** `hostwire --db DB ARGS`: its exit code and output. */
export async function hostwire(db: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--db', db, ...args], { env: { ...process.env, HOSTWIRE_DB: '' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
