/**
 * Sync accounts (passwords encrypted at rest), sync runs with their summaries, the wire each
 * synced switch maps to, and soft removal of hosts and VMs that a complete sync no longer sees.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import type { Dialect } from '../dialect.ts';

export function syncMigration(dialect: Dialect): Migration {
  const postgres = dialect === 'postgres';
  const id = (table: ReturnType<Kysely<any>['schema']['createTable']>) =>
    table.addColumn('id', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()));
  return {
    async up(db: Kysely<any>) {
      await id(db.schema.createTable('accounts'))
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('vsphere')`))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('password_sealed', 'text', (c) => c.notNull())
        .addColumn('tls_ca', 'text')
        .addColumn('tls_thumbprint', 'text')
        .addColumn('tls_insecure', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('instance_uuid', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      await id(db.schema.createTable('syncs'))
        .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'succeeded', 'partial', 'failed')`))
        .addColumn('summary_json', 'text')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('syncs_account').on('syncs').columns(['account_id', 'id']).execute();

      await db.schema
        .createTable('switch_wires')
        .addColumn('switch_key', 'text', (c) => c.primaryKey())
        .addColumn('wire_id', 'integer', (c) => c.notNull().references('wires.id'))
        .addColumn('origin', 'text', (c) => c.notNull().check(sql`origin in ('auto', 'evidence', 'admin')`))
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('evidence_json', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('switch_wires_wire').on('switch_wires').column('wire_id').execute();

      await db.schema.alterTable('hosts').addColumn('removed_at', 'text').execute();
      await db.schema.alterTable('vms').addColumn('removed_at', 'text').execute();
      await db.schema.createIndex('hosts_external').on('hosts').column('external_id').execute();
      await db.schema.createIndex('vms_external').on('vms').column('external_id').execute();
    },
  };
}
