export type Dialect = 'sqlite' | 'postgres';

export function dialectOf(location: string): Dialect {
  return /^postgres(ql)?:\/\//i.test(location) ? 'postgres' : 'sqlite';
}

/** A location fit for messages and logs: a PostgreSQL URL loses its password. */
export function redactLocation(location: string): string {
  if (dialectOf(location) === 'sqlite') return location;
  try {
    const url = new URL(location);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}
