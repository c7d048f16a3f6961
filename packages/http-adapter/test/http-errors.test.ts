import { describe, expect, it } from 'vitest';
import {
  CodeSourceError,
  ConflictError,
  ExecutorUnavailableError,
  ForbiddenError,
  InvalidStateError,
  LockLostError,
  NotFoundError,
  StateLockedError,
  StoreUnavailableError,
  ValidationError,
  VersionNotRetainedError,
} from '@iac-orchestrator/core';
import { RequestFormatError, toHttpError, UnauthenticatedError } from '../src/http-errors.js';

describe('toHttpError: one table from error code to HTTP status', () => {
  it.each([
    [new ValidationError('environment: bad', 'environment'), 400, { error: 'environment: bad', field: 'environment' }],
    [new UnauthenticatedError(), 401, { error: 'Authentication required' }],
    [new ForbiddenError('no'), 403, { error: 'no' }],
    [new NotFoundError('Deployment x not found'), 404, { error: 'Deployment x not found' }],
    [new ConflictError('moved'), 409, { error: 'moved' }],
    [new InvalidStateError('done'), 409, { error: 'done' }],
    [new LockLostError('lost'), 409, { error: 'lost' }],
    [new VersionNotRetainedError('gone'), 410, { error: 'gone' }],
    [new CodeSourceError('Failed to fetch generated code: Job not found'), 404, { error: 'Failed to fetch generated code: Job not found' }],
    [new CodeSourceError('x', false, { reason: 'not_completed' }), 422, { error: 'x' }],
    [new CodeSourceError('y', true), 502, { error: 'y' }],
    [new ExecutorUnavailableError('no terraform'), 503, { error: 'no terraform' }],
    [new StoreUnavailableError('down'), 503, { error: 'down' }],
    [new RequestFormatError('too big', 413), 413, { error: 'too big' }],
  ])('%s', (err, status, body) => {
    const r = toHttpError(err);
    expect(r.status).toBe(status);
    expect(r.body).toEqual(body);
    expect(r.internal).toBe(false);
  });

  it('a held lock answers the spec message with the holder, without its fencing token or its lockId (a secret of its holder)', () => {
    const lock = { lockId: 'l1', who: 'user@example.com', operation: 'apply', createdAt: 'c', expiresAt: 'e', token: 7 };
    const r = toHttpError(new StateLockedError(lock));
    expect(r).toEqual({ status: 409, internal: false, body: { error: 'State is already locked', lock: { who: 'user@example.com', operation: 'apply', createdAt: 'c', expiresAt: 'e' } } });
  });

  it('anything unknown is a bare 500 that leaks nothing', () => {
    const r = toHttpError(new Error('ENOENT /var/lib/secret/path with AKIA...'));
    expect(r).toEqual({ status: 500, body: { error: 'Internal error' }, internal: true });
    expect(toHttpError('a string').body).toEqual({ error: 'Internal error' });
  });

  it("rewords fastify's own client errors", () => {
    expect(toHttpError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }))).toMatchObject({ status: 413 });
    expect(toHttpError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }))).toMatchObject({ status: 415 });
    expect(toHttpError(Object.assign(new Error('internal detail'), { code: 'FST_ERR_SOMETHING', statusCode: 400 }))).toEqual({ status: 400, body: { error: 'Invalid request' }, internal: false });
  });
});
