/** Row counts for the estate summary: hosts and VMs still present, wires and subnets. */
import type { Conn } from './store.ts';

export interface EstateCounts {
  hosts: number;
  vms: number;
  wires: number;
  subnets: number;
}

export async function countEstate(conn: Conn): Promise<EstateCounts> {
  // PostgreSQL answers count(*) as a bigint string, SQLite as a number.
  const hosts = await conn.db.selectFrom('hosts').where('removed_at', 'is', null).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const vms = await conn.db.selectFrom('vms').where('removed_at', 'is', null).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const wires = await conn.db.selectFrom('wires').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  const subnets = await conn.db.selectFrom('subnets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return { hosts: Number(hosts.n), vms: Number(vms.n), wires: Number(wires.n), subnets: Number(subnets.n) };
}
