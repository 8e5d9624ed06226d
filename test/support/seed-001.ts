/**
 * Seed 001's network-scripts files, split out of test/fixtures/seed-001-ifcfg.txt (`- /etc/...ifcfg-NAME`
 * then the file's lines), and the key-for-key check of an ifcfg rendering against them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SourceFile } from '../../src/connectors/host-facts.ts';

export function seedIfcfgFiles(): SourceFile[] {
  const files: SourceFile[] = [];
  for (const line of readFileSync(join(import.meta.dirname, '..', 'fixtures', 'seed-001-ifcfg.txt'), 'utf8').split('\n')) {
    const header = /^- \/(etc\/sysconfig\/network-scripts\/ifcfg-\S+)$/.exec(line);
    if (header) files.push({ path: header[1]!, content: '' });
    else if (files.length && line.trim()) files[files.length - 1]!.content += `${line}\n`;
  }
  return files;
}

/** An ifcfg rendering's KEY=VALUE lines as a map (values as written, quotes included). */
export const parseKeys = (content: string) => new Map(content.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));

/**
 * Every file the seed shows is rendered with the seed's values; the only keys added are the ones
 * the seed's excerpt leaves implicit (DEVICE lines, bridge STP, VLAN PHYSDEV/VLAN_ID).
 */
export function assertSeedKeys(rendered: Map<string, string>): void {
  const implicit = new Set(['DEVICE', 'STP', 'PHYSDEV', 'VLAN_ID']);
  const seed = seedIfcfgFiles();
  assert.equal(seed.length, 10);
  for (const { path, content: seedContent } of seed) {
    const content = rendered.get(path);
    assert.ok(content, `${path} is rendered`);
    const keys = parseKeys(seedContent);
    const mine = parseKeys(content);
    for (const [key, value] of keys) {
      // The seed writes a placeholder for the MAC; the declaration has the real one.
      if (value === '<INTERFACE MAC ADDRESS>') assert.match(mine.get(key) ?? '', /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, `${path} ${key}`);
      else assert.equal(mine.get(key), value, `${path} ${key}`);
    }
    for (const key of mine.keys()) assert.ok(keys.has(key) || implicit.has(key), `${path}: ${key} is not in the seed`);
  }
}
