/**
 * One of the concurrent allocators of concurrency.test.ts: opens the store, says "ready", waits for
 * the start file, allocates COUNT addresses one call at a time, and prints them as JSON.
 * Usage: allocate-worker.ts DB SUBNET COUNT START_FILE
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { allocate } from '../../src/ipam/allocation.ts';
import { makeContext } from '../../src/store/context.ts';
import { openStore } from '../../src/store/store.ts';

const [db, subnet, countText, startFile] = process.argv.slice(2);
const store = await openStore(db!);
const context = makeContext(store, `worker-${process.pid}`);
process.stdout.write('ready\n');
while (!existsSync(startFile!)) await sleep(2);
const taken: string[] = [];
for (let i = 0; i < Number(countText); i++) {
  const [record] = await allocate(context, { subnet: subnet!, owner: { kind: 'manual', id: `worker-${process.pid}` } });
  taken.push(record!.address);
}
await store.close();
process.stdout.write(`${JSON.stringify(taken)}\n`);
