/**
 * The last live facts imported for each host (`hostwire host import --as facts`), kept apart from
 * its declaration so `host diff` and the UI can compare the two.
 */
import type { Kysely, Migration } from 'kysely';

export function hostFactsMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('host_facts')
        .addColumn('host_id', 'integer', (c) => c.primaryKey().references('hosts.id').onDelete('cascade'))
        .addColumn('format', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('imported_at', 'text', (c) => c.notNull())
        .addColumn('interfaces_json', 'text', (c) => c.notNull())
        .addColumn('link_state_json', 'text', (c) => c.notNull())
        .addColumn('warnings_json', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
