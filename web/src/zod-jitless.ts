/**
 * Imported first: the UI shares the domain's interface helpers, whose module builds zod schemas, and
 * zod probes `new Function` at schema creation unless jitless. The served page's CSP forbids eval,
 * so the probe would log a policy violation on every load.
 */
import { config } from 'zod';

config({ jitless: true });
