/** The API's response shapes, inferred from the server's own schemas, so that the UI cannot drift from them. */
import type { z } from 'zod';
import type * as s from '../../src/api/schemas.ts';
import type { Finding } from '../../src/audit/rule.ts';

export type { Role } from '../../src/domain/model.ts';
export type { InterfaceSpec } from '../../src/domain/interfaces.ts';
export type { Finding, Severity } from '../../src/audit/rule.ts';

export type Session = z.infer<typeof s.SessionSchema>;
export type Wire = z.infer<typeof s.WireSummarySchema>;
export type Subnet = z.infer<typeof s.SubnetSummarySchema>;
export type AddressRecord = z.infer<typeof s.AddressSchema>;
export type Host = z.infer<typeof s.HostSchema>;
export type HostDetail = z.infer<typeof s.HostDetailSchema>;
export type Vm = z.infer<typeof s.VmSchema>;
export type Change = z.infer<typeof s.ChangeSchema>;
export type Portgroup = z.infer<typeof s.PortgroupSchema>;
export type Account = z.infer<typeof s.AccountSchema>;
export type SyncSummary = z.infer<typeof s.SyncSummarySchema>;
export type SyncStarted = z.infer<typeof s.SyncStartedSchema>;
export type SyncRun = z.infer<typeof s.SyncRunSchema>;
export type SyncProgress = z.infer<typeof s.SyncProgressSchema>;
export type Rendered = z.infer<typeof s.RenderedSchema>;
export type RenderFormats = z.infer<typeof s.RenderFormatsSchema>;
export type HostDiff = z.infer<typeof s.HostDiffSchema>;
export type FailoverEntry = z.infer<typeof s.FailoverEntrySchema>;
export type EstateSummary = z.infer<typeof s.EstateSummarySchema>;
