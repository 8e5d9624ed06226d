/**
 * Opening the store: SQLite by default (a file), PostgreSQL for a postgres:// URL. Both get the same
 * schema through the same migrations, and both offer `write`, a transaction in which a subnet can be
 * locked for allocation (see lockSubnet in ./subnets.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { HostwireError } from '../domain/errors.ts';
import { dialectOf, redactLocation, type Dialect } from './dialect.ts';
import { coreMigration } from './migrations/0001_core.ts';
import { apiTokensMigration } from './migrations/0002_api_tokens.ts';
import { syncMigration } from './migrations/0003_sync.ts';
import { hostFactsMigration } from './migrations/0004_host_facts.ts';
import { pxeMigration } from './migrations/0005_pxe.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

/** What repository functions run on: a connection or a transaction, and the dialect it speaks. */
export interface Conn {
  readonly db: Db;
  readonly dialect: Dialect;
}

export interface Store {
  readonly dialect: Dialect;
  /** Where the store lives, with any password removed. */
  readonly location: string;
  /** Reads; inside a `write`, on that transaction. */
  read<T>(work: (conn: Conn) => Promise<T>): Promise<T>;
  /**
   * One transaction that commits when `work` resolves and rolls back, leaving nothing written, when
   * it throws. Called inside another `write` (a sync composing many service calls), it becomes a
   * savepoint of the outer transaction: its failure undoes only its own writes.
   */
  write<T>(work: (tx: Conn) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export const DEFAULT_SQLITE_FILE = './hostwire.db';

/** `--db`, else `$HOSTWIRE_DB`, else ./hostwire.db. */
export function resolveLocation(option?: string): string {
  return option || process.env.HOSTWIRE_DB || DEFAULT_SQLITE_FILE;
}

function migrations(dialect: Dialect): Record<string, Migration> {
  return { '0001_core': coreMigration(dialect), '0002_api_tokens': apiTokensMigration(dialect), '0003_sync': syncMigration(dialect), '0004_host_facts': hostFactsMigration(), '0005_pxe': pxeMigration(dialect) };
}

export async function openStore(location: string, options: { migrate?: boolean } = {}): Promise<Store> {
  const dialect = dialectOf(location);
  const store = dialect === 'postgres' ? openPostgres(location) : openSqlite(location);
  if (options.migrate !== false) {
    try {
      await migrate(store.db, dialect);
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}

async function migrate(db: Db, dialect: Dialect): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface OpenedStore extends Store {
  readonly db: Db;
}

/**
 * Transactions are tracked per async call chain, so that a service called from inside another
 * service's transaction joins it instead of waiting for the connection (SQLite) or escaping the
 * transaction (PostgreSQL).
 */
function withTransactions(dialect: Dialect, db: Db, begin: <T>(work: (tx: Conn) => Promise<T>) => Promise<T>): Pick<Store, 'read' | 'write'> {
  interface Level {
    conn: Conn;
    counter: { savepoints: number };
    /** Writes at one level share a connection: they run one after another. */
    queue: Promise<unknown>;
  }
  const current = new AsyncLocalStorage<Level>();
  const enter = <T>(conn: Conn, counter: { savepoints: number }, work: () => Promise<T>) => current.run({ conn, counter, queue: Promise.resolve() }, work);
  return {
    read: (work) => work(current.getStore()?.conn ?? { db, dialect }),
    write(work) {
      const outer = current.getStore();
      if (!outer) return begin((tx) => enter(tx, { savepoints: 0 }, () => work(tx)));
      const savepoint = async () => {
        const name = sql.raw(`hostwire_${++outer.counter.savepoints}`);
        await sql`savepoint ${name}`.execute(outer.conn.db);
        try {
          const result = await enter(outer.conn, outer.counter, () => work(outer.conn));
          await sql`release savepoint ${name}`.execute(outer.conn.db);
          return result;
        } catch (error) {
          await sql`rollback to savepoint ${name}`.execute(outer.conn.db);
          await sql`release savepoint ${name}`.execute(outer.conn.db);
          throw error;
        }
      };
      const task = outer.queue.then(savepoint);
      outer.queue = task.catch(() => undefined);
      return task;
    },
  };
}

const STATEMENT_CACHE = 1000;

/**
 * kysely prepares every query anew; preparing was a quarter of a large sync's time. Statements
 * are reused by their SQL text (the connection runs one query at a time, so sharing is safe).
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, property) {
      if (property === 'prepare') {
        return (source: string) => {
          let statement = cache.get(source);
          if (!statement) {
            if (cache.size >= STATEMENT_CACHE) cache.clear();
            statement = prepare(source);
            cache.set(source, statement);
          }
          return statement;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function openSqlite(path: string): OpenedStore {
  let sqlite: SqliteDatabase.Database;
  try {
    // The busy timeout lets writers from many processes queue for the write lock instead of failing.
    sqlite = new SqliteDatabase(path, { timeout: 60_000 });
  } catch (error) {
    throw new HostwireError('validation', `--db: cannot open SQLite file '${path}': ${(error as Error).message}`, [{ path: 'db', message: (error as Error).message }]);
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    dialect: 'sqlite',
    location: path,
    db,
    // BEGIN IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
    // writes could fail with SQLITE_BUSY when another process wrote in between.
    ...withTransactions('sqlite', db, (work) =>
      db.connection().execute(async (connection) => {
        await sql`begin immediate`.execute(connection);
        try {
          const result = await work({ db: connection, dialect: 'sqlite' });
          await sql`commit`.execute(connection);
          return result;
        } catch (error) {
          await sql`rollback`.execute(connection);
          throw error;
        }
      }),
    ),
    close: () => db.destroy(),
  };
}

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';

function openPostgres(url: string): OpenedStore {
  // COUNT(*) and serial columns come back as int8: read them as numbers (every count here is < 2^53).
  pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {
    // An idle client lost its server; the pool replaces it on next use.
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    dialect: 'postgres',
    location: redactLocation(url),
    db,
    ...withTransactions('postgres', db, async (work) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction().execute((tx) => work({ db: tx, dialect: 'postgres' }));
        } catch (error) {
          const code = (error as { code?: string }).code;
          if ((code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED) && attempt < 5) continue;
          throw error;
        }
      }
    }),
    close: () => db.destroy(),
  };
}

/** True for a unique or primary-key violation, on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
