/** Wires, subnets, allocations, address records and IP spaces. */
import { createRoute, z } from '@hono/zod-openapi';
import { parseAddress } from '../../domain/address.ts';
import type { AddressRecord } from '../../domain/model.ts';
import { allocate, listAddresses, release, reserve, showAddress } from '../../ipam/allocation.ts';
import { ownerLabel } from '../../ipam/records.ts';
import { createSubnet, deleteSubnet, listSubnets, showSubnet, updateSubnet } from '../../ipam/subnets.ts';
import { createSpace, listSpaces } from '../../services/spaces.ts';
import { createWire, deleteWire, listWires, showWire, updateWire } from '../../services/wires.ts';
import { decodeCursor, isPair, isString, pageLimit, paginate } from '../pagination.ts';
import * as s from '../schemas.ts';
import { body, contextFor, json, problems, READ_ERRORS, WRITE_ERRORS, type Api, type Deps } from './common.ts';

export const toApiAddress = (record: AddressRecord) => ({ ...record, owner: ownerLabel(record) });

export function addressingRoutes(app: Api, deps: Deps): void {
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/wires', tags: ['wires'], summary: 'List wires', request: { query: s.WireQuery }, responses: { 200: json(s.page(s.WireSummarySchema, 'WirePage'), 'Wires by name'), ...problems(...READ_ERRORS) } }),
    async (c) => {
      const context = contextFor(deps, c, 'viewer');
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, isString);
      return c.json(await paginate(pageLimit(query.limit), (rows) => listWires(context, { q: query.q, limit: rows, after }), (wire) => wire.name), 200);
    },
  );
  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/wires', tags: ['wires'], summary: 'Create a wire', request: body(s.WireCreateSchema), responses: { 201: json(s.WireSchema, 'Created'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await createWire(contextFor(deps, c, 'admin'), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/wires/{name}', tags: ['wires'], summary: 'One wire with its utilization', request: { params: s.NameParam }, responses: { 200: json(s.WireSummarySchema, 'The wire'), ...problems(...READ_ERRORS) } }),
    async (c) => c.json(await showWire(contextFor(deps, c, 'viewer'), c.req.valid('param').name), 200),
  );
  app.openapi(
    createRoute({ method: 'patch', path: '/api/v1/wires/{name}', tags: ['wires'], summary: 'Change a wire', request: { params: s.NameParam, ...body(s.WireUpdateSchema) }, responses: { 200: json(s.WireSchema, 'Updated'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await updateWire(contextFor(deps, c, 'admin'), c.req.valid('param').name, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({ method: 'delete', path: '/api/v1/wires/{name}', tags: ['wires'], summary: 'Delete a wire that carries no subnet', request: { params: s.NameParam }, responses: { 200: json(s.WireSchema, 'Deleted'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await deleteWire(contextFor(deps, c, 'admin'), c.req.valid('param').name), 200),
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/subnets', tags: ['subnets'], summary: 'List subnets with utilization', request: { query: s.SubnetQuery }, responses: { 200: json(s.page(s.SubnetSummarySchema, 'SubnetPage'), 'Subnets by name'), ...problems(...READ_ERRORS) } }),
    async (c) => {
      const context = contextFor(deps, c, 'viewer');
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, isString);
      return c.json(await paginate(pageLimit(query.limit), (rows) => listSubnets(context, { wire: query.wire, vlan: query.vlan, q: query.q, limit: rows, after }), (subnet) => subnet.name), 200);
    },
  );
  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/subnets', tags: ['subnets'], summary: 'Create a subnet; its gateway is reserved', request: body(s.SubnetCreateSchema), responses: { 201: json(s.SubnetSchema, 'Created'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await createSubnet(contextFor(deps, c, 'admin'), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/subnets/{name}', tags: ['subnets'], summary: 'One subnet with pools and utilization', request: { params: s.NameParam }, responses: { 200: json(s.SubnetSummarySchema, 'The subnet'), ...problems(...READ_ERRORS) } }),
    async (c) => c.json(await showSubnet(contextFor(deps, c, 'viewer'), c.req.valid('param').name), 200),
  );
  app.openapi(
    createRoute({ method: 'patch', path: '/api/v1/subnets/{name}', tags: ['subnets'], summary: 'Change a subnet', request: { params: s.NameParam, ...body(s.SubnetUpdateSchema) }, responses: { 200: json(s.SubnetSchema, 'Updated'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await updateSubnet(contextFor(deps, c, 'admin'), c.req.valid('param').name, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({ method: 'delete', path: '/api/v1/subnets/{name}', tags: ['subnets'], summary: 'Delete a subnet with no address in use', request: { params: s.NameParam }, responses: { 200: json(s.SubnetSchema, 'Deleted'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await deleteSubnet(contextFor(deps, c, 'admin'), c.req.valid('param').name), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/subnets/{name}/allocations',
      tags: ['addresses'],
      summary: 'Allocate addresses: {"count": N}, {"address": "..."} or {"owner": ...}; all or nothing',
      request: { params: s.NameParam, ...body(s.AllocationRequestSchema) },
      responses: { 201: json(s.AddressList, 'The allocated address records'), ...problems(...WRITE_ERRORS) },
    }),
    async (c) => {
      const request = c.req.valid('json');
      const records = await allocate(contextFor(deps, c, 'operator'), {
        subnet: c.req.valid('param').name,
        count: request.count,
        address: request.address,
        owner: request.owner ? { kind: request.owner.kind, id: request.owner.id ?? null } : undefined,
        note: request.note,
      });
      deps.observability.allocations.inc(records.length);
      return c.json({ items: records.map(toApiAddress) }, 201);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/ips', tags: ['addresses'], summary: 'List address records', request: { query: s.AddressQuery }, responses: { 200: json(s.page(s.AddressSchema, 'AddressPage'), 'By subnet and address'), ...problems(...READ_ERRORS) } }),
    async (c) => {
      const context = contextFor(deps, c, 'viewer');
      const query = c.req.valid('query');
      const after = decodeCursor(query.cursor, isPair);
      const page = await paginate(
        pageLimit(query.limit),
        (rows) => listAddresses(context, { subnet: query.subnet, state: query.state, limit: rows, after: after && { subnet: after[0], address: after[1] } }),
        (record) => [record.subnet, record.address],
      );
      return c.json({ items: page.items.map(toApiAddress), nextCursor: page.nextCursor }, 200);
    },
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/ips/{address}', tags: ['addresses'], summary: 'One address record', request: { params: s.AddressParam, query: s.SpaceQuery }, responses: { 200: json(s.AddressSchema, 'The record'), ...problems(...READ_ERRORS) } }),
    async (c) => c.json(toApiAddress(await showAddress(contextFor(deps, c, 'viewer'), { address: c.req.valid('param').address, space: c.req.valid('query').space })), 200),
  );
  app.openapi(
    createRoute({ method: 'delete', path: '/api/v1/ips/{address}', tags: ['addresses'], summary: "Release an address (it returns after the subnet's hold-down)", request: { params: s.AddressParam, query: s.SpaceQuery }, responses: { 200: json(s.AddressSchema, 'The released record'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(toApiAddress(await release(contextFor(deps, c, 'operator'), { address: c.req.valid('param').address, space: c.req.valid('query').space })), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/ips/{address}/reservation',
      tags: ['addresses'],
      summary: 'Reserve an address; the subnet is the one that contains it unless named',
      request: { params: s.AddressParam, ...body(s.ReservationSchema) },
      responses: { 201: json(s.AddressSchema, 'The reserved record'), ...problems(...WRITE_ERRORS) },
    }),
    async (c) => {
      const context = contextFor(deps, c, 'operator');
      const request = c.req.valid('json');
      const address = parseAddress(c.req.valid('param').address, 'address').text;
      return c.json(toApiAddress(await reserve(context, { subnet: request.subnet, address, note: request.note })), 201);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/spaces', tags: ['addresses'], summary: 'List IP spaces', responses: { 200: json(z.object({ items: z.array(s.SpaceSchema) }), 'IP spaces'), ...problems(401) } }),
    async (c) => c.json({ items: await listSpaces(contextFor(deps, c, 'viewer')) }, 200),
  );
  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/spaces', tags: ['addresses'], summary: 'Create an IP space', request: body(s.SpaceCreateSchema), responses: { 201: json(s.SpaceSchema, 'Created'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await createSpace(contextFor(deps, c, 'admin'), c.req.valid('json')), 201),
  );
}
