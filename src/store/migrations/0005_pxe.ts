/**
 * PXE provisioning: installer images, one record per host to install (its MAC, the address the
 * IPAM holds for it, boot mode, image, management VLAN, the nonce its kickstart token derives
 * from) and the boot steps the PXE server saw for it.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { BOOT_MODES, BOOT_STEPS, IMAGE_KINDS } from '../../pxe/model.ts';
import type { Dialect } from '../dialect.ts';

const oneOf = (column: string, values: readonly string[]) => sql.raw(`${column} in (${values.map((value) => `'${value}'`).join(', ')})`);

export function pxeMigration(dialect: Dialect): Migration {
  const postgres = dialect === 'postgres';
  const id = (table: ReturnType<Kysely<any>['schema']['createTable']>) =>
    table.addColumn('id', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()));
  return {
    async up(db: Kysely<any>) {
      await id(db.schema.createTable('pxe_images'))
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull().check(oneOf('kind', IMAGE_KINDS)))
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('kernel', 'text')
        .addColumn('initrd', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await id(db.schema.createTable('pxe_hosts'))
        .addColumn('name', 'text', (c) => c.notNull().unique())
        // DHCP answers by MAC and DNS by hostname: two records sharing either would fight.
        .addColumn('mac', 'text', (c) => c.notNull().unique())
        .addColumn('hostname', 'text', (c) => c.notNull().unique())
        .addColumn('subnet_id', 'integer', (c) => c.notNull().references('subnets.id'))
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('boot', 'text', (c) => c.notNull().check(oneOf('boot', BOOT_MODES)))
        .addColumn('image_id', 'integer', (c) => c.notNull().references('pxe_images.id'))
        .addColumn('vlan', 'integer', (c) => c.check(sql`vlan between 1 and 4094`))
        .addColumn('token_nonce', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('pxe_hosts_image').on('pxe_hosts').column('image_id').execute();

      await db.schema
        .createTable('pxe_progress')
        .addColumn('host_id', 'integer', (c) => c.notNull().references('pxe_hosts.id').onDelete('cascade'))
        .addColumn('step', 'text', (c) => c.notNull().check(oneOf('step', BOOT_STEPS)))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        // One row per step: the first time the server saw it (see recordBootStep).
        .addPrimaryKeyConstraint('pxe_progress_pk', ['host_id', 'step'])
        .execute();
    },
  };
}
