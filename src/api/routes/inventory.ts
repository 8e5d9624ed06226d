/** Hosts, host interfaces, port groups, VMs, vNICs and tags. */
import { createRoute } from '@hono/zod-openapi';
import { listInterfaces, listHosts, setHostInterfaces, showHost, upsertHost } from '../../services/hosts.ts';
import { deleteTag, listTags, setTag } from '../../services/tags.ts';
import { describeVmNetworks, listVms, listVnics, showVm, upsertVm } from '../../services/vms.ts';
import { listPortgroups } from '../../reconcile/wires.ts';
import { decodeCursor, isNumber, isPair, isString, pageLimit, paginate } from '../pagination.ts';
import * as s from '../schemas.ts';
import { checkInteger, checkUuid } from '../../domain/validate.ts';
import { body, contextFor, json, problems, READ_ERRORS, WRITE_ERRORS, type Api, type Deps } from './common.ts';

export function inventoryRoutes(app: Api, deps: Deps): void {
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/hosts', tags: ['hosts'], summary: 'List hosts', request: { query: s.HostQuery }, responses: { 200: json(s.page(s.HostSchema, 'HostPage'), 'Hosts by name'), ...problems(...READ_ERRORS) } }),
    async (c) => {
      const context = contextFor(deps, c, 'viewer');
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, isString);
      return c.json(await paginate(pageLimit(query.limit), (rows) => listHosts(context, { cluster: query.cluster, q: query.q, limit: rows, after }), (host) => host.name), 200);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/hosts/{name}', tags: ['hosts'], summary: 'One host with its declared interfaces', request: { params: s.NameParam }, responses: { 200: json(s.HostDetailSchema, 'The host'), ...problems(...READ_ERRORS) } }),
    async (c) => c.json(await showHost(contextFor(deps, c, 'viewer'), c.req.valid('param').name), 200),
  );
  app.openapi(
    createRoute({ method: 'put', path: '/api/v1/hosts/{name}', tags: ['hosts'], summary: 'Create or update a host', request: { params: s.NameParam, ...body(s.HostPutSchema) }, responses: { 200: json(s.HostSchema, 'The host'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await upsertHost(contextFor(deps, c, 'admin'), { name: c.req.valid('param').name, ...c.req.valid('json') }), 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/hosts/{name}/interfaces',
      tags: ['hosts'],
      summary: "Replace a host's interfaces, validated as a whole",
      request: { params: s.NameParam, ...body(s.InterfacesPutSchema) },
      responses: { 200: json(s.HostDetailSchema, 'The host with its interfaces'), ...problems(...WRITE_ERRORS) },
    }),
    async (c) => c.json(await setHostInterfaces(contextFor(deps, c, 'admin'), c.req.valid('param').name, c.req.valid('json').interfaces), 200),
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/host-interfaces', tags: ['hosts'], summary: 'Interfaces across hosts', request: { query: s.InterfaceQuery }, responses: { 200: json(s.page(s.HostInterfaceSchema, 'HostInterfacePage'), 'By host and name'), ...problems(...READ_ERRORS) } }),
    async (c) => {
      const context = contextFor(deps, c, 'viewer');
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, isPair);
      return c.json(
        await paginate(
          pageLimit(query.limit),
          (rows) => listInterfaces(context, { host: query.host, kind: query.kind, vlan: query.vlan, limit: rows, after: after && { host: after[0], name: after[1] } }),
          (item) => [item.host, item.name],
        ),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/port-groups',
      tags: ['hosts'],
      summary: 'Where guests attach across hosts (ESXi port groups; Linux, Xen and KVM bridges) with their switch, VLAN, wire and subnets (?host=, ?vlan=)',
      request: { query: s.PortgroupQuery },
      responses: { 200: json(s.page(s.PortgroupSchema, 'PortGroupPage'), 'By host and name'), ...problems(...READ_ERRORS) },
    }),
    async (c) => {
      const context = contextFor(deps, c, 'viewer');
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, isPair);
      const vlan = query.vlan === undefined ? undefined : checkInteger('vlan', query.vlan, 0, 4095, 'a VLAN ID');
      const all = (await listPortgroups(context, { host: query.host })).filter((pg) => vlan === undefined || pg.vlan === vlan).sort((a, b) => (a.host === b.host ? (a.name < b.name ? -1 : 1) : a.host < b.host ? -1 : 1));
      const rest = after ? all.filter((pg) => pg.host > after[0] || (pg.host === after[0] && pg.name > after[1])) : all;
      return c.json(await paginate(pageLimit(query.limit), async (rows) => rest.slice(0, rows), (pg) => [pg.host, pg.name]), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/vms', tags: ['vms'], summary: 'List VMs with their vNICs', request: { query: s.VmQuery }, responses: { 200: json(s.page(s.VmSchema, 'VmPage'), 'VMs by UUID'), ...problems(...READ_ERRORS) } }),
    async (c) => {
      const context = contextFor(deps, c, 'viewer');
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, isString);
      const page = await paginate(pageLimit(query.limit), (rows) => listVms(context, { host: query.host, q: query.q, limit: rows, after }), (vm) => vm.uuid);
      return c.json({ items: await describeVmNetworks(context, page.items), nextCursor: page.nextCursor }, 200);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/vms/{uuid}', tags: ['vms'], summary: 'One VM', request: { params: s.UuidParam }, responses: { 200: json(s.VmSchema, 'The VM'), ...problems(...READ_ERRORS) } }),
    async (c) => {
      const context = contextFor(deps, c, 'viewer');
      // The API names VMs by UUID only (the CLI also takes a unique name).
      const uuid = checkUuid('uuid', c.req.valid('param').uuid);
      return c.json((await describeVmNetworks(context, [await showVm(context, uuid)]))[0]!, 200);
    },
  );
  app.openapi(
    createRoute({ method: 'put', path: '/api/v1/vms/{uuid}', tags: ['vms'], summary: 'Create or update a VM and its vNICs', request: { params: s.UuidParam, ...body(s.VmPutSchema) }, responses: { 200: json(s.VmSchema, 'The VM'), ...problems(...WRITE_ERRORS) } }),
    async (c) => {
      const context = contextFor(deps, c, 'admin');
      const vm = await upsertVm(context, { uuid: c.req.valid('param').uuid, ...c.req.valid('json') });
      return c.json((await describeVmNetworks(context, [vm]))[0]!, 200);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/vnics', tags: ['vms'], summary: 'vNICs across VMs (?vm=UUID, ?host=)', request: { query: s.VnicQuery }, responses: { 200: json(s.page(s.VnicListingSchema, 'VnicPage'), 'vNICs'), ...problems(...READ_ERRORS) } }),
    async (c) => {
      const context = contextFor(deps, c, 'viewer');
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, isNumber);
      return c.json(await paginate(pageLimit(query.limit), (rows) => listVnics(context, { vm: query.vm, host: query.host, limit: rows, after }), (vnic) => vnic.id), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/tags/{kind}/{name}', tags: ['tags'], summary: "An object's tags (VMs by UUID, addresses by address)", request: { params: s.TagParams }, responses: { 200: json(s.TagsSchema, 'Key to value'), ...problems(...READ_ERRORS) } }),
    async (c) => c.json(await listTags(contextFor(deps, c, 'viewer'), c.req.valid('param')), 200),
  );
  app.openapi(
    createRoute({ method: 'put', path: '/api/v1/tags/{kind}/{name}/{key}', tags: ['tags'], summary: 'Set a tag', request: { params: s.TagKeyParams, ...body(s.TagValueSchema) }, responses: { 200: json(s.TagsSchema, "The object's tags"), ...problems(...WRITE_ERRORS) } }),
    async (c) => {
      const context = contextFor(deps, c, 'admin');
      const { kind, name, key } = c.req.valid('param');
      await setTag(context, { kind, name }, key, c.req.valid('json').value);
      return c.json(await listTags(context, { kind, name }), 200);
    },
  );
  app.openapi(
    createRoute({ method: 'delete', path: '/api/v1/tags/{kind}/{name}/{key}', tags: ['tags'], summary: 'Remove a tag', request: { params: s.TagKeyParams }, responses: { 200: json(s.TagsSchema, "The object's tags"), ...problems(...WRITE_ERRORS) } }),
    async (c) => {
      const context = contextFor(deps, c, 'admin');
      const { kind, name, key } = c.req.valid('param');
      await deleteTag(context, { kind, name }, key);
      return c.json(await listTags(context, { kind, name }), 200);
    },
  );
}
