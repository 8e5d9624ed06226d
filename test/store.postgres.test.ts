import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { allocate } from '../src/ipam/allocation.ts';
import { createSubnet } from '../src/ipam/subnets.ts';
import { createWire } from '../src/services/wires.ts';
import { makeContext } from '../src/store/context.ts';
import { openStore } from '../src/store/store.ts';
import { findSubnet, lockSubnet } from '../src/store/subnets.ts';
import { defineInventorySuite } from './support/inventory-suite.ts';
import { defineIpamSuite } from './support/ipam-suite.ts';
import { startPostgres, type PostgresServer } from './support/postgres.ts';

describe('store, IPAM and inventory on PostgreSQL', () => {
  let server: PostgresServer;
  let n = 0;
  before(async () => {
    server = await startPostgres();
  });
  after(() => server.stop());
  const open = async () => openStore(await server.createDatabase(`t${++n}`));
  defineIpamSuite(open);
  defineInventorySuite(open);

  it('locks one subnet, not the install: others allocate while it is held', async () => {
    const store = await open();
    const context = makeContext(store, 'test');
    try {
      await createWire(context, { name: 'w' });
      await createSubnet(context, { name: 'a', wire: 'w', cidr: '10.0.0.0/24' });
      await createSubnet(context, { name: 'b', wire: 'w', cidr: '10.0.1.0/24' });
      const events: string[] = [];
      let unlock = () => {};
      let signalLocked = () => {};
      const locked = new Promise<void>((resolve) => (signalLocked = resolve));
      const holder = store.write(async (tx) => {
        await lockSubnet(tx, (await findSubnet(tx, 'a'))!.id);
        events.push('a locked');
        signalLocked();
        await new Promise<void>((resolve) => (unlock = resolve));
        events.push('a unlocked');
      });
      await locked;
      // These run in their own transactions: they are not called from inside the holder's.
      const allocationInA = allocate(context, { subnet: 'a' }).then(() => events.push('allocated in a'));
      await allocate(context, { subnet: 'b' });
      events.push('allocated in b');
      await new Promise((resolve) => setTimeout(resolve, 200));
      unlock();
      await holder;
      await allocationInA;
      assert.deepEqual(events, ['a locked', 'allocated in b', 'a unlocked', 'allocated in a']);
    } finally {
      await store.close();
    }
  });
});
