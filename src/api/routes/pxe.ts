/** PXE provisioning records, installer images and boot progress. Viewers read; operators add and remove. */
import { createRoute, z } from '@hono/zod-openapi';
import { addPxeHost, addPxeImage, bootProgress, listPxeHosts, listPxeImages, removePxeHost, showPxeHost } from '../../services/pxe.ts';
import * as s from '../schemas.ts';
import { body, contextFor, json, problems, READ_ERRORS, WRITE_ERRORS, type Api, type Deps } from './common.ts';

export function pxeRoutes(app: Api, deps: Deps): void {
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/pxe/hosts', tags: ['pxe'], summary: 'List the hosts to install', responses: { 200: json(z.object({ items: z.array(s.PxeHostSchema) }), 'By name'), ...problems(401) } }),
    async (c) => c.json({ items: await listPxeHosts(contextFor(deps, c, 'viewer')) }, 200),
  );
  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/pxe/hosts', tags: ['pxe'], summary: 'Record a host to install; its address is allocated as owner pxe-host:NAME; all or nothing', request: body(s.PxeHostCreateSchema), responses: { 201: json(s.PxeHostSchema, 'Created'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await addPxeHost(contextFor(deps, c, 'operator'), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/pxe/hosts/{name}', tags: ['pxe'], summary: 'One host to install, with its boot progress', request: { params: s.NameParam }, responses: { 200: json(s.PxeHostDetailSchema, 'The host'), ...problems(...READ_ERRORS) } }),
    async (c) => c.json(await showPxeHost(contextFor(deps, c, 'viewer'), c.req.valid('param').name), 200),
  );
  app.openapi(
    createRoute({ method: 'delete', path: '/api/v1/pxe/hosts/{name}', tags: ['pxe'], summary: 'Forget a host to install and release its address', request: { params: s.NameParam }, responses: { 200: json(s.PxeHostSchema, 'Removed'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await removePxeHost(contextFor(deps, c, 'operator'), c.req.valid('param').name), 200),
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/pxe/images', tags: ['pxe'], summary: 'List installer images', responses: { 200: json(z.object({ items: z.array(s.PxeImageSchema) }), 'By name'), ...problems(401) } }),
    async (c) => c.json({ items: await listPxeImages(contextFor(deps, c, 'viewer')) }, 200),
  );
  app.openapi(
    createRoute({ method: 'post', path: '/api/v1/pxe/images', tags: ['pxe'], summary: 'Record an unpacked installer folder, checking every file it boots from', request: body(s.PxeImageCreateSchema), responses: { 201: json(s.PxeImageSchema, 'Created'), ...problems(...WRITE_ERRORS) } }),
    async (c) => c.json(await addPxeImage(contextFor(deps, c, 'operator'), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({ method: 'get', path: '/api/v1/pxe/status', tags: ['pxe'], summary: 'Boot progress of every host, in install order', responses: { 200: json(z.object({ items: z.array(s.BootProgressSchema) }), 'By host, then step'), ...problems(401) } }),
    async (c) => c.json({ items: await bootProgress(contextFor(deps, c, 'viewer')) }, 200),
  );
}
