/** API tokens: only a SHA-256 of each secret is kept, so the table cannot be replayed if it leaks. */
import { sql, type Kysely, type Migration } from 'kysely';
import { ROLES } from '../../domain/model.ts';
import type { Dialect } from '../dialect.ts';

export function apiTokensMigration(dialect: Dialect): Migration {
  const postgres = dialect === 'postgres';
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', postgres ? 'serial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull().check(sql.raw(`role in (${ROLES.map((role) => `'${role}'`).join(', ')})`)))
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_used_at', 'text')
        .execute();
    },
  };
}
