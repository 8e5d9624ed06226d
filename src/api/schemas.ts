/**
 * Request and response schemas of the HTTP API. They validate requests and generate /openapi.json.
 * Request bodies are strict (an unknown field is a 400) and lengths are bounded; deeper checks
 * (CIDR arithmetic, overlaps) are the services', shared with the CLI.
 */
import { z } from '@hono/zod-openapi';
import { SEVERITIES } from '../audit/rule.ts';
import { InterfaceSchema } from '../domain/interfaces.ts';
import { BOOT_MODES, BOOT_STEPS, IMAGE_KINDS } from '../pxe/model.ts';
import { ADDRESS_STATES, ALLOCATION_POLICIES, OS_FAMILIES, OWNER_KINDS, PLATFORMS, POWER_STATES, ROLES, TOOLS_STATES, WIRE_ORIGINS } from '../domain/model.ts';

const text = (max: number) => z.string().max(max);
const name = z.string().min(1).max(253).openapi({ example: 'mgmt' });
const count = z.string().regex(/^[0-9]+$/).openapi({ description: 'An exact decimal count (an IPv6 /64 holds more than a JSON number can carry exactly)', example: '254' });

export const NameParam = z.object({ name: name.openapi({ param: { name: 'name', in: 'path' } }) });
export const AddressParam = z.object({ address: text(64).openapi({ param: { name: 'address', in: 'path' }, example: '10.1.1.50' }) });
export const UuidParam = z.object({ uuid: text(64).openapi({ param: { name: 'uuid', in: 'path' }, example: '4210a1b2-0c3d-4e5f-8a9b-0c1d2e3f4a5b' }) });

const limit = z.string().regex(/^[0-9]{1,7}$/, 'a number of rows, 1-1000').optional().openapi({ description: 'Rows per page, 1-1000 (default 100)' });
const cursor = text(500).optional().openapi({ description: 'The nextCursor of the previous page' });
const q = text(200).optional().openapi({ description: 'Only names containing this text (case-insensitive)' });
export const PageQuery = z.object({ limit, cursor });

export const page = <T extends z.ZodTypeAny>(item: T, title: string) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable().openapi({ description: 'Pass as cursor for the next page; null on the last' }) }).openapi(title);

export const UtilizationSchema = z.object({ capacity: count, used: count, free: count, held: count, percent: z.number() }).openapi('Utilization');

export const WireSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    mtu: z.number().int(),
    origin: z.enum(WIRE_ORIGINS),
    sourceAccount: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Wire');
export const WireSummarySchema = WireSchema.extend({ subnets: z.number().int(), utilization: UtilizationSchema }).openapi('WireSummary');
export const WireCreateSchema = z.object({ name, mtu: z.number().int().optional(), description: text(500).optional() }).strict().openapi('WireCreate');
export const WireUpdateSchema = z.object({ mtu: z.number().int().optional(), description: text(500).optional() }).strict().openapi('WireUpdate');
export const WireQuery = z.object({ q, limit, cursor });

export const SubnetSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    space: z.string(),
    wire: z.string(),
    cidr: z.string(),
    family: z.union([z.literal(4), z.literal(6)]),
    vlan: z.number().int(),
    gateway: z.string().nullable(),
    dns: z.array(z.string()),
    domain: z.string().nullable(),
    pools: z.array(z.object({ first: z.string(), last: z.string() })),
    policy: z.enum(ALLOCATION_POLICIES),
    holdDownSeconds: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Subnet');
export const SubnetSummarySchema = SubnetSchema.extend({ utilization: UtilizationSchema, addressesByState: z.record(z.string(), z.number().int()) }).openapi('SubnetSummary');

const subnetFields = {
  wire: name,
  vlan: z.number().int().optional(),
  gateway: text(64).nullable().optional(),
  dns: z.array(text(64)).max(16).optional(),
  domain: text(253).nullable().optional(),
  pools: z.array(text(200)).max(64).optional().openapi({ description: 'START-END ranges', example: ['10.1.1.50-10.1.1.199'] }),
  policy: z.enum(ALLOCATION_POLICIES).optional(),
  holdDownSeconds: z.number().int().optional(),
};
export const SubnetCreateSchema = z.object({ name, cidr: text(64).openapi({ example: '10.1.1.0/24' }), space: name.optional(), ...subnetFields }).strict().openapi('SubnetCreate');
export const SubnetUpdateSchema = z.object({ ...subnetFields, wire: name.optional() }).strict().openapi('SubnetUpdate');
export const SubnetQuery = z.object({ wire: name.optional(), vlan: z.string().regex(/^[0-9]{1,4}$/, 'a VLAN ID, 0-4094').optional(), q, limit, cursor });

export const OwnerSchema = z.object({ kind: z.enum(OWNER_KINDS), id: text(200).nullable().optional() }).strict().openapi('Owner');

export const AddressSchema = z
  .object({
    id: z.number().int(),
    space: z.string(),
    address: z.string(),
    subnet: z.string(),
    state: z.enum(ADDRESS_STATES),
    ownerKind: z.enum(OWNER_KINDS).nullable(),
    ownerId: z.string().nullable(),
    owner: z.string().nullable().openapi({ description: 'The owner as text: the manual owner, or KIND:ID' }),
    note: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Address');

export const AllocationRequestSchema = z
  .object({
    count: z.number().int().optional().openapi({ description: 'How many addresses, by the subnet policy (default 1); all or nothing' }),
    address: text(64).optional().openapi({ description: 'One given address instead' }),
    owner: OwnerSchema.optional(),
    note: text(500).optional(),
  })
  .strict()
  .refine((body) => body.count === undefined || body.address === undefined, { message: 'give count or address, not both', path: ['address'] })
  .openapi('AllocationRequest');
export const AddressList = z.object({ items: z.array(AddressSchema) }).openapi('AddressList');
export const ReservationSchema = z.object({ subnet: name.optional(), note: text(500).optional() }).strict().openapi('Reservation');
export const AddressQuery = z.object({ subnet: name.optional(), state: z.enum(ADDRESS_STATES).optional(), space: name.optional(), limit, cursor });
export const SpaceQuery = z.object({ space: name.optional() });

export const HostSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    platform: z.enum(PLATFORMS),
    osFamily: z.enum(OS_FAMILIES),
    cluster: z.string().nullable(),
    managementAddress: z.string().nullable(),
    hardwareUuid: z.string().nullable(),
    sourceAccount: z.string().nullable(),
    externalId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Host');
// The domain's schema (plain zod, defined before the OpenAPI extension) is inlined in the document.
export const InterfaceSpecSchema = InterfaceSchema;
export const HostDetailSchema = HostSchema.extend({ interfaces: z.array(InterfaceSpecSchema) }).openapi('HostDetail');
export const HostPutSchema = z
  .object({
    platform: z.enum(PLATFORMS),
    osFamily: z.enum(OS_FAMILIES).optional(),
    cluster: name.nullable().optional(),
    managementAddress: text(64).nullable().optional(),
    hardwareUuid: text(64).nullable().optional(),
  })
  .strict()
  .openapi('HostPut');
export const InterfacesPutSchema = z.object({ interfaces: z.array(z.unknown()).max(512) }).strict().openapi('InterfacesPut');
export const HostQuery = z.object({ cluster: name.optional(), q, limit, cursor });
export const HostInterfaceSchema = z.object({ host: z.string() }).catchall(z.unknown()).openapi('HostInterface', { description: 'An interface (see Interface) with the host it is on' });
export const InterfaceQuery = z.object({ host: name.optional(), kind: text(20).optional(), vlan: z.string().regex(/^[0-9]{1,4}$/, 'a VLAN ID, 0-4095').optional(), limit, cursor });

export const VnicSchema = z
  .object({ id: z.number().int(), vm: z.string(), mac: z.string(), portgroup: z.string().nullable(), connected: z.boolean(), observedIps: z.array(z.string()) })
  .openapi('Vnic');
export const VnicListingSchema = VnicSchema.extend({ vmUuid: z.string(), host: z.string().nullable() }).openapi('VnicListing');
export const VmSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    uuid: z.string(),
    biosUuid: z.string().nullable(),
    host: z.string().nullable(),
    powerState: z.enum(POWER_STATES),
    toolsState: z.enum(TOOLS_STATES),
    sourceAccount: z.string().nullable(),
    externalId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    vnics: z.array(VnicSchema),
    nics: z
      .array(
        z.object({
          mac: z.string(),
          portgroup: z.string().nullable(),
          connected: z.boolean(),
          ips: z.array(z.object({ address: z.string(), subnet: z.string().nullable(), reason: z.string().nullable().openapi({ description: 'Why the IP is not attached (null when it is)' }) })),
        }),
      )
      .openapi({ description: 'Per NIC, every IP seen or allocated: attached ones with their subnet, the others with the reason' }),
  })
  .openapi('Vm');
export const VmPutSchema = z
  .object({
    name: text(255),
    biosUuid: text(64).nullable().optional(),
    host: name.nullable().optional(),
    powerState: z.enum(POWER_STATES).optional(),
    toolsState: z.enum(TOOLS_STATES).optional(),
    vnics: z
      .array(
        z
          .object({
            mac: text(32),
            portgroup: text(64).nullable().optional(),
            networkName: text(255).nullable().optional(),
            connected: z.boolean().optional(),
            observedIps: z.array(text(64)).max(64).optional(),
          })
          .strict(),
      )
      .max(64)
      .optional(),
  })
  .strict()
  .openapi('VmPut');
export const VmQuery = z.object({ host: name.optional(), q, limit, cursor });
export const VnicQuery = z.object({ vm: text(64).optional(), host: name.optional(), limit, cursor });

export const TagParams = z.object({
  kind: z.enum(['wire', 'subnet', 'host', 'vm', 'address']).openapi({ param: { name: 'kind', in: 'path' } }),
  name: text(64).openapi({ param: { name: 'name', in: 'path' } }),
});
export const TagKeyParams = TagParams.extend({ key: text(63).openapi({ param: { name: 'key', in: 'path' } }) });
export const TagsSchema = z.record(z.string(), z.string()).openapi('Tags');
export const TagValueSchema = z.object({ value: text(65_536) }).strict().openapi('TagValue');

export const ChangeSchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor: z.string(),
    objectKind: z.string(),
    objectId: z.number().int().nullable(),
    objectName: z.string(),
    action: z.string(),
    before: z.unknown(),
    after: z.unknown(),
  })
  .openapi('Change');
export const ChangeQuery = z.object({
  kind: text(20).optional().openapi({ description: 'Object kind: wire, subnet, address, host, vm, token...' }),
  object: text(200).optional().openapi({ description: 'Object name' }),
  since: text(40).optional().openapi({ description: 'ISO 8601: entries at or after' }),
  until: text(40).optional().openapi({ description: 'ISO 8601: entries before' }),
  limit,
  cursor,
});

export const SpaceSchema = z.object({ id: z.number().int(), name: z.string(), description: z.string() }).openapi('Space');
export const SpaceCreateSchema = z.object({ name, description: text(500).optional() }).strict().openapi('SpaceCreate');

export const TokenSchema = z.object({ name: z.string(), role: z.enum(ROLES), createdAt: z.string(), lastUsedAt: z.string().nullable() }).openapi('Token');
export const CreatedTokenSchema = TokenSchema.extend({ token: z.string().openapi({ description: 'The secret, shown once' }) }).openapi('CreatedToken');
export const SessionSchema = z.object({ name: z.string(), role: z.enum(ROLES) }).openapi('Session');
export const TokenCreateSchema = z.object({ role: z.enum(ROLES), name: name.optional() }).strict().openapi('TokenCreate');

export const PortgroupSchema = z
  .object({
    kind: z.enum(['portgroup', 'bridge']).openapi({ description: 'An ESXi port group, or a Linux, Xen or KVM bridge guests attach to' }),
    host: z.string(),
    switch: z.string(),
    name: z.string(),
    vlan: z.number().int(),
    wire: z.string().nullable(),
    subnets: z.array(z.string()),
    subnet: z.string().nullable(),
  })
  .openapi('PortGroup');
export const PortgroupQuery = z.object({ host: name.optional(), vlan: z.string().regex(/^[0-9]{1,4}$/, 'a VLAN ID, 0-4095').optional(), limit, cursor });

export const AccountSchema = z
  .object({
    name: z.string(),
    kind: z.literal('vsphere'),
    url: z.string(),
    username: z.string(),
    tls: z.enum(['verified', 'custom-ca', 'pinned', 'insecure']),
    thumbprint: z.string().nullable(),
    instanceUuid: z.string().nullable(),
    createdAt: z.string(),
    lastSync: z.object({ id: z.number().int(), startedAt: z.string(), finishedAt: z.string().nullable(), status: z.string(), summary: z.unknown(), error: z.string().nullable() }).nullable(),
  })
  .openapi('Account');
export const AccountCreateSchema = z
  .object({
    name,
    kind: z.literal('vsphere'),
    url: text(2000),
    username: text(256),
    password: text(1024).openapi({ description: 'Stored encrypted; never returned' }),
    ca: text(65_536).optional(),
    thumbprint: text(200).optional(),
    insecure: z.boolean().optional(),
  })
  .strict()
  .openapi('AccountCreate');
export const SyncSummarySchema = z
  .object({
    syncId: z.number().int(),
    account: z.string(),
    status: z.enum(['succeeded', 'partial']),
    complete: z.boolean(),
    counts: z.record(z.string(), z.object({ created: z.number().int(), updated: z.number().int(), removed: z.number().int() })),
    syncIps: z.number().int(),
    conflicts: z.array(z.object({ kind: z.string(), message: z.string(), evidence: z.array(z.string()) })),
    errors: z.array(z.string()),
    gaps: z.array(z.string()),
    fetchMs: z.number(),
    reconcileMs: z.number(),
  })
  .openapi('SyncSummary');
export const SyncIdParam = z.object({ id: z.string().regex(/^[1-9][0-9]{0,14}$/, 'a sync id is a positive integer').openapi({ param: { name: 'id', in: 'path' }, example: '12' }) });
export const SyncStartedSchema = z.object({ syncId: z.number().int() }).openapi('SyncStarted');
export const SyncProgressSchema = z
  .object({
    phase: z.enum(['connecting', 'fetching', 'reconciling', 'finishing']),
    done: z.number().int().openapi({ description: 'Hosts and VMs reconciled so far' }),
    total: z.number().int().nullable().openapi({ description: "Hosts and VMs in the snapshot; null until it is read" }),
  })
  .openapi('SyncProgress');
export const SyncRunSchema = z
  .object({
    id: z.number().int(),
    account: z.string(),
    status: z.enum(['running', 'succeeded', 'partial', 'failed']),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    progress: SyncProgressSchema.nullable().openapi({ description: 'Kept by the server that runs the sync, while it runs and for minutes after; null otherwise' }),
    summary: SyncSummarySchema.nullable(),
    error: z.string().nullable(),
  })
  .openapi('SyncRun');
export const MergeSchema = z.object({ sources: z.array(name).min(1).max(100) }).strict().openapi('WireMerge');
export const MergeResultSchema = z.object({ into: z.string(), moved: z.object({ subnets: z.array(z.string()), switches: z.number().int() }) }).openapi('WireMergeResult');
export const MergeSuggestionSchema = z.object({ wires: z.array(z.string()), into: z.string(), evidence: z.array(z.string()) }).openapi('WireMergeSuggestion');

export const RenderFormatsSchema = z
  .object({ items: z.array(z.object({ format: z.string(), platforms: z.array(z.string()) })) })
  .openapi('RenderFormats');
export const RenderQuery = z.object({ format: text(40).optional().openapi({ description: "A render format, e.g. netplan, ifcfg, esxcli (default: the host's os family's)", example: 'netplan' }) });
export const RenderedSchema = z
  .object({ format: z.string(), files: z.array(z.object({ path: z.string(), content: z.string(), mode: z.number().int() })) })
  .openapi('Rendered');
const SourceFileSchema = z.object({ path: text(1000).min(1), content: text(1024 * 1024) }).strict();
export const HostImportSchema = z
  .object({
    format: text(40).min(1),
    files: z.array(SourceFileSchema).min(1).max(512),
    as: z.enum(['declaration', 'facts']).optional(),
    platform: z.enum(PLATFORMS).optional(),
    os: z.enum(OS_FAMILIES).optional(),
  })
  .strict()
  .openapi('HostImport');
export const HostImportResultSchema = z
  .object({ host: z.string(), as: z.enum(['declaration', 'facts']), interfaces: z.array(InterfaceSpecSchema), warnings: z.array(z.string()) })
  .openapi('HostImportResult');
export const HostDiffSchema = z
  .object({
    host: z.string(),
    facts: z.object({ format: z.string(), source: z.string(), importedAt: z.string() }).nullable(),
    differences: z.array(
      z.object({
        interface: z.string(),
        change: z.enum(['missing', 'unexpected', 'changed', 'down']),
        field: z.string().optional(),
        declared: z.unknown().optional(),
        observed: z.unknown().optional(),
        message: z.string(),
      }),
    ),
    links: z.record(z.string(), z.enum(['up', 'down', 'unknown'])).openapi({ description: 'Observed link state per interface, and per bond member or bridge port as `bond0/eth1`' }),
  })
  .openapi('HostDiff');

const nameList = text(2000).optional().openapi({ description: 'Names, comma-separated' });
export const SimFailQuery = z
  .object({
    links: nameList.openapi({ description: 'NICs whose link goes down, comma-separated', example: 'vmnic2' }),
    switchDown: nameList.openapi({ description: 'Upstream switches, host switches or NICs whose path breaks while links stay up' }),
    beaconInterval: z.string().regex(/^[0-9]{1,4}$/).optional(),
    beaconThreshold: z.string().regex(/^[0-9]{1,3}$/).optional(),
    allLinksUp: z.enum(['true', 'false']).optional().openapi({ description: "Start from every link up instead of the links the host's last facts saw down" }),
  })
  .openapi('SimFailQuery');
export const FailoverEntrySchema = z
  .object({
    object: z.string(),
    kind: z.string(),
    host: z.string(),
    before: z.string().nullable(),
    after: z.string().nullable(),
    connected: z.boolean(),
    detectSeconds: z.number().nullable(),
    recovery: z.string(),
    notes: z.array(z.string()),
  })
  .openapi('FailoverEntry');
export const FindingQuery = z.object({
  limit,
  cursor,
  host: name.optional(),
  rule: text(64).optional().openapi({ example: 'vmotion-not-enabled' }),
  severity: text(16).optional().openapi({ description: 'error, warning or info' }),
});
export const FindingSchema = z
  .object({
    rule: z.string(),
    severity: z.enum(SEVERITIES),
    title: z.string(),
    why: z.string(),
    host: z.string().nullable().openapi({ description: 'The host the finding is about; null for estate-wide ones (a subnet, a wire)' }),
    objects: z.array(z.string()).openapi({ description: 'The names involved, e.g. host and vmk' }),
    message: z.string(),
    fix: z.string().openapi({ description: 'The esxcli / PowerCLI lines or the hostwire command that fix it' }),
  })
  .openapi('Finding');

export const PxeHostSchema = z
  .object({
    name: z.string(),
    mac: z.string(),
    subnet: z.string(),
    address: z.string(),
    boot: z.enum(BOOT_MODES),
    image: z.string(),
    hostname: z.string(),
    vlan: z.number().int().nullable().openapi({ description: 'The management VLAN the installer tags; null for untagged' }),
    createdAt: z.string(),
  })
  .openapi('PxeHost');
export const BootProgressSchema = z.object({ host: z.string(), step: z.enum(BOOT_STEPS), at: z.string(), detail: z.string() }).openapi('BootProgress');
export const PxeHostDetailSchema = PxeHostSchema.extend({ progress: z.array(BootProgressSchema) }).openapi('PxeHostDetail');
export const PxeHostCreateSchema = z
  .object({
    name,
    mac: text(32).openapi({ example: '00:50:56:aa:bb:cc' }),
    subnet: name,
    ip: text(64).optional().openapi({ description: 'A given address in the subnet; default: the next by its policy' }),
    boot: z.enum(BOOT_MODES).optional(),
    image: name,
    hostname: text(253).optional().openapi({ description: "Default: the name plus the subnet's domain" }),
    vlan: z.number().int().optional().openapi({ description: "1-4094; default: the subnet's VLAN when tagged" }),
  })
  .strict()
  .openapi('PxeHostCreate');
export const PxeImageSchema = z
  .object({ name: z.string(), kind: z.enum(IMAGE_KINDS), path: z.string(), kernel: z.string().nullable(), initrd: z.string().nullable(), createdAt: z.string() })
  .openapi('PxeImage');
export const PxeImageCreateSchema = z
  .object({
    name,
    kind: z.enum(IMAGE_KINDS),
    from: text(4096).min(1).openapi({ description: "The unpacked installer folder on the hostwire server" }),
    kernel: text(1000).optional(),
    initrd: text(1000).optional(),
  })
  .strict()
  .openapi('PxeImageCreate');

export const EstateSummarySchema = z
  .object({
    hosts: z.number().int(),
    vms: z.number().int(),
    wires: z.number().int(),
    subnets: z.number().int(),
    findings: z.object({ error: z.number().int(), warning: z.number().int(), info: z.number().int() }),
    fullestSubnets: z.array(SubnetSummarySchema),
  })
  .openapi('EstateSummary');
