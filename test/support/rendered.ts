/** Writes rendered files under a fresh temporary root, as a host would have them, for the real consumers to read. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RenderedFile } from '../../src/render/files.ts';

const roots: string[] = [];

export function writeRendered(files: RenderedFile[], prefix = 'hostwire-render-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  roots.push(root);
  writeRenderedInto(root, files);
  return root;
}

/** Writes rendered files under an existing root (one made by writeRendered, for a rendering that names its own root). */
export function writeRenderedInto(root: string, files: RenderedFile[]): void {
  for (const file of files) {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    if (file.symlink) {
      symlinkSync(file.symlink, target);
      continue;
    }
    writeFileSync(target, file.content);
    chmodSync(target, file.mode ?? 0o644);
  }
}

/** Removes every root writeRendered made; call from the suite's `after`. */
export function removeRendered(): void {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
}
