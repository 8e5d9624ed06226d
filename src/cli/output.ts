/** Printing: human tables by default, JSON with --json. */
import Table from 'cli-table3';

/**
 * JSON where big integers stay exact: an IPv6 /64's capacity is printed as the number it is, not
 * rounded through a double (JSON itself has no size limit on numbers).
 */
export function toJson(value: unknown): string {
  const marker = '__hostwire_bigint__:';
  const text = JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? `${marker}${item}` : item), 2);
  return text.replace(new RegExp(`"${marker}(-?[0-9]+)"`, 'g'), '$1');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${toJson(value)}\n`);
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | bigint | null | undefined;
  align?: 'left' | 'right';
}

export function renderTable<T>(rows: T[], columns: Column<T>[]): string {
  const table = new Table({
    head: columns.map((column) => column.header),
    colAligns: columns.map((column) => column.align ?? 'left'),
    style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 0 },
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ' },
  });
  for (const row of rows) table.push(columns.map((column) => String(column.value(row) ?? '-')));
  return table.toString().split('\n').map((line) => line.trimEnd().replace(/^ /, '')).join('\n');
}

export function printTable<T>(rows: T[], columns: Column<T>[], empty = 'nothing to show'): void {
  process.stdout.write(rows.length ? `${renderTable(rows, columns)}\n` : `(${empty})\n`);
}

/** Key/value lines for one object. */
export function printFields(fields: [string, unknown][]): void {
  const width = Math.max(...fields.map(([label]) => label.length));
  for (const [label, value] of fields) process.stdout.write(`${label.padEnd(width)}  ${value === null || value === undefined || value === '' ? '-' : String(value)}\n`);
}

/** Utilization counts as exact JSON numbers (they are decimal strings in the domain). */
export function utilizationJson(utilization: { capacity: string; used: string; free: string; held: string; percent: number }) {
  return { capacity: BigInt(utilization.capacity), used: BigInt(utilization.used), free: BigInt(utilization.free), held: BigInt(utilization.held), percent: utilization.percent };
}
