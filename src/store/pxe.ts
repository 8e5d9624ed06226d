/** PXE images, provisioning records and boot progress. */
import type { Conn } from './store.ts';
import type { PxeHostRow, PxeImageRow, PxeProgressRow } from './schema.ts';

/** A provisioning record with the names of its subnet and image. */
export interface PxeHostWithNames extends PxeHostRow {
  subnet_name: string;
  image_name: string;
}

export async function insertImage(conn: Conn, image: Omit<PxeImageRow, 'id'>): Promise<PxeImageRow> {
  return conn.db.insertInto('pxe_images').values(image).returningAll().executeTakeFirstOrThrow();
}

export async function findImage(conn: Conn, name: string): Promise<PxeImageRow | undefined> {
  return conn.db.selectFrom('pxe_images').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listImages(conn: Conn): Promise<PxeImageRow[]> {
  return conn.db.selectFrom('pxe_images').selectAll().orderBy('name').execute();
}

const hostsWithNames = (conn: Conn) =>
  conn.db
    .selectFrom('pxe_hosts')
    .innerJoin('subnets', 'subnets.id', 'pxe_hosts.subnet_id')
    .innerJoin('pxe_images', 'pxe_images.id', 'pxe_hosts.image_id')
    .selectAll('pxe_hosts')
    .select(['subnets.name as subnet_name', 'pxe_images.name as image_name']);

export async function insertHost(conn: Conn, host: Omit<PxeHostRow, 'id'>): Promise<PxeHostRow> {
  return conn.db.insertInto('pxe_hosts').values(host).returningAll().executeTakeFirstOrThrow();
}

export async function findHost(conn: Conn, name: string): Promise<PxeHostWithNames | undefined> {
  return hostsWithNames(conn).where('pxe_hosts.name', '=', name).executeTakeFirst();
}

/** The record holding a MAC or a hostname, to name the clash before the unique index does. */
export async function findHostBy(conn: Conn, column: 'mac' | 'hostname', value: string): Promise<PxeHostRow | undefined> {
  return conn.db.selectFrom('pxe_hosts').selectAll().where(column, '=', value).executeTakeFirst();
}

export async function listHosts(conn: Conn): Promise<PxeHostWithNames[]> {
  return hostsWithNames(conn).orderBy('pxe_hosts.name').execute();
}

export async function deleteHost(conn: Conn, id: number): Promise<void> {
  await conn.db.deleteFrom('pxe_progress').where('host_id', '=', id).execute();
  await conn.db.deleteFrom('pxe_hosts').where('id', '=', id).execute();
}

/** Records a step once: a step already seen keeps its first time and detail. */
export async function insertProgressOnce(conn: Conn, progress: PxeProgressRow): Promise<void> {
  await conn.db
    .insertInto('pxe_progress')
    .values(progress)
    .onConflict((oc) => oc.columns(['host_id', 'step']).doNothing())
    .execute();
}

/** Boot progress with host names, of one host or of all. */
export async function listProgress(conn: Conn, hostId?: number): Promise<(PxeProgressRow & { host_name: string })[]> {
  let query = conn.db.selectFrom('pxe_progress').innerJoin('pxe_hosts', 'pxe_hosts.id', 'pxe_progress.host_id').selectAll('pxe_progress').select('pxe_hosts.name as host_name');
  if (hostId !== undefined) query = query.where('pxe_progress.host_id', '=', hostId);
  return query.orderBy('pxe_hosts.name').execute();
}
