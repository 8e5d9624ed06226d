import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Role } from '../../domain/model.ts';
import type { Context as ServiceContext } from '../../store/context.ts';
import type { Store } from '../../store/store.ts';
import { authorize, type ApiEnv } from '../auth.ts';
import type { Observability } from '../observability.ts';
import { ProblemSchema } from '../problem.ts';

export interface Deps {
  store: Store;
  now: () => Date;
  observability: Observability;
}

export type Api = OpenAPIHono<ApiEnv>;

/** A service context for this request if its token has `role`, else a 401/403 problem. */
export const contextFor = (deps: Deps, c: Context<ApiEnv>, role: Role): ServiceContext => authorize(c, deps.store, deps.now, role);

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input: detail says what, errors list each field',
  401: 'No token, or an unknown or revoked one',
  403: "The token's role may not do this",
  404: 'No such object',
  409: 'Conflict: overlap, duplicate name, taken address, not enough free addresses',
};

/** Problem responses for the OpenAPI document. */
export function problems(...statuses: (400 | 401 | 403 | 404 | 409)[]) {
  return Object.fromEntries(statuses.map((status) => [status, { description: DESCRIPTIONS[status]!, content: { 'application/problem+json': { schema: ProblemSchema } } }]));
}

export const READ_ERRORS = [400, 401, 404] as const;
export const WRITE_ERRORS = [400, 401, 403, 404, 409] as const;

export const json = <T>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
export const body = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
