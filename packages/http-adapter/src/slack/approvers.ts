import { z } from 'zod';
import { hasRole, ROLES, type ApiToken, type Principal } from '../auth.js';

const SLACK_ID = /^[A-Z0-9]{2,40}$/;
const PRINCIPAL = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;

/** One Slack user allowed to act as a principal of the service. */
export const SlackApproverSchema = z
  .object({
    /** The Slack user id (`U…` or `W…`), as in the payload's `user.id`. */
    userId: z.string().regex(SLACK_ID, 'a Slack user id such as U0123ABCD'),
    /** The workspace (`T…`) the user must act from; any workspace of the app when absent. */
    teamId: z.string().regex(SLACK_ID, 'a Slack team id such as T0123ABCD').optional(),
    /** The principal name recorded as `who` / `by` (an API token's name, or a name of its own). */
    principal: z.string().regex(PRINCIPAL, 'letters, digits, _ . @ - (at most 100)'),
    /** The role in Slack; absent: the role of the API token of the same name (no token, no role). */
    role: z.enum(ROLES).optional(),
  })
  .strict();
export type SlackApprover = z.infer<typeof SlackApproverSchema>;

/** A malformed `SLACK_APPROVERS`; the message names the entry. */
export class SlackApproversError extends Error {
  override readonly name = 'SlackApproversError';
}

/**
 * Parses `SLACK_APPROVERS`: comma-separated `[TEAM_ID/]USER_ID:principal[:role]` entries
 * (`U123:alice,T9/U456:bob:approver`), or a JSON array of `{ userId, teamId?, principal, role? }`.
 */
export function parseSlackApprovers(spec: string): SlackApprover[] {
  const text = spec.trim();
  if (text === '') return [];
  const raw: unknown[] = text.startsWith('[') ? parseJsonList(text) : text.split(',').map((s) => s.trim()).filter(Boolean).map(entryOf);
  const out: SlackApprover[] = [];
  raw.forEach((entry, i) => {
    const parsed = SlackApproverSchema.safeParse(entry);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new SlackApproversError(`SLACK_APPROVERS entry ${i + 1}: ${issue.path.join('.') || 'entry'}: ${issue.message}`);
    }
    const a = parsed.data;
    if (out.some((o) => o.userId === a.userId && o.teamId === a.teamId)) throw new SlackApproversError(`SLACK_APPROVERS: Slack user ${a.userId} is mapped twice`);
    out.push(a);
  });
  return out;
}

function parseJsonList(text: string): unknown[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new SlackApproversError('SLACK_APPROVERS is not valid JSON');
  }
  if (!Array.isArray(v)) throw new SlackApproversError('SLACK_APPROVERS: a JSON value must be an array');
  return v;
}

function entryOf(entry: string): Record<string, string | undefined> {
  const [who, principal, role, ...rest] = entry.split(':');
  if (principal === undefined || rest.length > 0) return { userId: entry };
  const slash = who.indexOf('/');
  return slash < 0 ? { userId: who, principal, role } : { teamId: who.slice(0, slash), userId: who.slice(slash + 1), principal, role };
}

/** The Slack side of a request: who clicked, from which workspace. */
export interface SlackIdentity {
  userId: string;
  teamId: string | null;
}

/** What a Slack user may do: act as `principal`, or be refused for `reason` (shown to them in Slack). */
export type SlackAuthorization = { principal: Principal } | { refused: string };

/**
 * Maps a Slack user to the principal it approves as. Only mapped users act; the role is the entry's own,
 * else that of the API token with the principal's name; approving needs the approver role (as on
 * `POST /api/deployments/:id/approve`). An entry with a `teamId` matches only that workspace.
 */
export function authorizeSlackUser(approvers: readonly SlackApprover[], tokens: readonly ApiToken[], who: SlackIdentity): SlackAuthorization {
  const entry =
    approvers.find((a) => a.userId === who.userId && a.teamId !== undefined && a.teamId === who.teamId) ??
    approvers.find((a) => a.userId === who.userId && a.teamId === undefined);
  if (!entry) return { refused: 'Your Slack user is not mapped to an approver of this service (SLACK_APPROVERS), so nothing was changed.' };
  const role = entry.role ?? tokens.find((t) => t.name === entry.principal)?.role;
  if (!role || !hasRole(role, 'approver')) {
    return { refused: `You act here as ${entry.principal}, who does not have the approver role, so nothing was changed.` };
  }
  return { principal: { name: entry.principal, role } };
}
