import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Errors Fastify raises before routing (an over-long path parameter, a malformed URL escape), answered in
 * the service's own error shape. Fastify's default body for them echoes the URL, which can be
 * attacker-chosen text (or a token pasted in the wrong place), and uses 414 for what is a bad id.
 */
export function frameworkErrors(err: Error & { code?: string }, _req: FastifyRequest, reply: FastifyReply): void {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.code(400).type('application/json').send({ error: 'id: invalid deployment id (at most 200 characters)', field: 'id' });
    return;
  }
  if (err.code === 'FST_ERR_BAD_URL') {
    void reply.code(400).type('application/json').send({ error: 'Invalid URL: malformed percent-encoding' });
    return;
  }
  void reply.code(400).type('application/json').send({ error: 'Invalid request' });
}

/** Longest path parameter routed (ids are at most 200 characters; longer ones get a 400 above). */
export const MAX_PARAM_LENGTH = 200;
