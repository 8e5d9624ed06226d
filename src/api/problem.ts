/**
 * RFC 9457 problem documents for every error the API returns: bad input is a 4xx naming each
 * field, never a 500, and no response ever carries a stack trace.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from '@hono/zod-openapi';
import { HostwireError, type ErrorKind, type FieldError } from '../domain/errors.ts';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof ProblemSchema>;

const STATUS: Record<ErrorKind, ContentfulStatusCode> = { validation: 400, unauthorized: 401, forbidden: 403, not_found: 404, conflict: 409 };

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  500: 'Internal error',
  502: 'Bad gateway',
};

export function problemResponse(c: Context, status: ContentfulStatusCode, detail: string, errors?: FieldError[]): Response {
  const problem: Problem = {
    type: status === 500 ? 'about:blank' : `https://hostwire.dev/problems/${status}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    instance: c.req.path,
    ...(errors && errors.length ? { errors } : {}),
  };
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="hostwire"';
  return c.body(JSON.stringify(problem), status, headers);
}

/** zod issues as field errors: `pools.1: Invalid input: expected string, received number`. */
export function zodFieldErrors(error: z.ZodError, prefix?: string): FieldError[] {
  const pathOf = (segments: PropertyKey[]) => [...(prefix ? [prefix] : []), ...segments.map(String)].join('.') || '(body)';
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: 'is not a known field; remove it' }))
      : [{ path: pathOf(issue.path), message: issue.message }],
  );
}

/** Maps any thrown error to a problem. Unexpected errors become a bare 500 and are reported to `onInternal`. */
export function problemFromError(c: Context, error: unknown, onInternal: (error: unknown) => void): Response {
  if (error instanceof HostwireError) return problemResponse(c, STATUS[error.kind], error.message, error.fields);
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const detail = status === 415 ? 'send the body as application/json' : error.message || TITLES[status] || 'request refused';
    return problemResponse(c, status, detail);
  }
  onInternal(error);
  return problemResponse(c, 500, 'the server failed to handle this request; it has been logged');
}
