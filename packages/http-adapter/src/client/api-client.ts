import type {
  ApprovalInput,
  DeployInput,
  DeploymentGroupInput,
  DestroyInput,
  HistoryQuery,
  ListQuery,
  LockInput,
  LogEntry,
  LogsQuery,
  RollbackInput,
  UnlockInput,
} from '@iac-orchestrator/core';
import type {
  DeploymentGroupView,
  DeploymentList,
  DeploymentView,
  LockResult,
  LogsResponse,
  Me,
  RollbackResult,
  StackStateView,
  Started,
  StateHistory,
} from '../api-contract.js';
import type { NotificationLog } from '../notifications-contract.js';
import { readEventStream, type LiveEvent } from './event-stream.js';

/**
 * The typed REST client of the orchestrator service, shared by the CLI and the web console. One method
 * per `operationId` of the OpenAPI document (a test checks they match); requests and responses are typed
 * from the same zod schemas the service validates with and documents. Type-only imports keep it free of
 * Node modules, so it bundles for the browser.
 */

export interface ApiClientOptions {
  /** Base URL of the service, e.g. `http://localhost:3004` (or `''` for same-origin in a browser). */
  baseUrl: string;
  /** Bearer token; none for an unauthenticated (loopback) service. */
  token?: string | null;
  fetch?: typeof globalThis.fetch;
}

/** An error answer of the service: the HTTP status and the service's `{ error, field? }` body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

export class OrchestratorClient {
  private readonly base: string;
  private readonly fetchImpl: typeof globalThis.fetch;

  constructor(private readonly opts: ApiClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = opts.fetch ?? globalThis.fetch.bind(globalThis);
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...(this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {}), ...extra };
  }

  private url(path: string, query?: Query): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    const s = qs.toString();
    return `${this.base}${path}${s ? `?${s}` : ''}`;
  }

  private async request<T>(method: 'GET' | 'POST', path: string, opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    const res = await this.fetchImpl(this.url(path, opts.query), {
      method,
      headers: this.headers(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      signal: opts.signal,
    });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (!res.ok) {
      const b = (parsed ?? {}) as { error?: unknown; field?: unknown };
      const message = typeof b.error === 'string' ? b.error : `HTTP ${res.status}`;
      throw new ApiError(res.status, message, typeof b.field === 'string' ? b.field : undefined, parsed);
    }
    return parsed as T;
  }

  private static id(id: string): string {
    return `/api/deployments/${encodeURIComponent(id)}`;
  }

  /** `POST /api/deployments` */
  startDeployment(input: DeployInput): Promise<Started> {
    return this.request('POST', '/api/deployments', { body: input });
  }

  /** `GET /api/deployments` */
  listDeployments(query: ListQuery = {}): Promise<DeploymentList> {
    return this.request('GET', '/api/deployments', { query: query as Query });
  }

  /** `GET /api/deployments/:id` */
  getDeployment(id: string, signal?: AbortSignal): Promise<DeploymentView> {
    return this.request('GET', OrchestratorClient.id(id), { signal });
  }

  /** `GET /api/deployments/:id/logs` (a JSON page) */
  getLogs(id: string, query: LogsQuery = {}): Promise<LogsResponse> {
    return this.request('GET', `${OrchestratorClient.id(id)}/logs`, { query: query as Query });
  }

  /**
   * `GET /api/deployments/:id/logs` with `Accept: text/event-stream`: the live stream (`log`, `status`,
   * a final `end`). Resumes from `cursor`; yields until the service ends the stream or `signal` aborts.
   */
  async *streamLogs(id: string, opts: { cursor?: number; signal?: AbortSignal } = {}): AsyncGenerator<LiveEvent> {
    const res = await this.fetchImpl(this.url(`${OrchestratorClient.id(id)}/logs`, { cursor: opts.cursor }), {
      headers: this.headers({ accept: 'text/event-stream' }),
      signal: opts.signal,
    });
    if (!res.ok || !res.body) {
      const b = (await res.json().catch(() => ({}))) as { error?: string };
      throw new ApiError(res.status, b.error ?? `HTTP ${res.status}`, undefined, b);
    }
    yield* readEventStream(res.body, opts.signal);
  }

  /** `POST /api/deployments/:id/cancel` */
  cancelDeployment(id: string): Promise<DeploymentView> {
    return this.request('POST', `${OrchestratorClient.id(id)}/cancel`, { body: {} });
  }

  /** `POST /api/deployments/:id/approve` */
  approveDeployment(id: string, input: ApprovalInput = {}): Promise<DeploymentView> {
    return this.request('POST', `${OrchestratorClient.id(id)}/approve`, { body: input });
  }

  /** `POST /api/deployments/:id/reject` */
  rejectDeployment(id: string, input: ApprovalInput = {}): Promise<DeploymentView> {
    return this.request('POST', `${OrchestratorClient.id(id)}/reject`, { body: input });
  }

  /** `POST /api/deployments/:id/rollback` */
  rollbackDeployment(id: string, input: RollbackInput): Promise<RollbackResult> {
    return this.request('POST', `${OrchestratorClient.id(id)}/rollback`, { body: input });
  }

  /** `POST /api/deployments/:id/destroy` */
  destroyDeployment(id: string, input: DestroyInput = {}): Promise<Started> {
    return this.request('POST', `${OrchestratorClient.id(id)}/destroy`, { body: input });
  }

  /** `POST /api/deployments/:id/drift` */
  detectDrift(id: string): Promise<Started> {
    return this.request('POST', `${OrchestratorClient.id(id)}/drift`, { body: {} });
  }

  /** `GET /api/deployments/:id/state` */
  getState(id: string): Promise<StackStateView> {
    return this.request('GET', `${OrchestratorClient.id(id)}/state`);
  }

  /** `POST /api/deployments/:id/state/lock` */
  lockState(id: string, input: LockInput): Promise<LockResult> {
    return this.request('POST', `${OrchestratorClient.id(id)}/state/lock`, { body: input });
  }

  /** `POST /api/deployments/:id/state/unlock` */
  unlockState(id: string, input: UnlockInput): Promise<Record<string, unknown>> {
    return this.request('POST', `${OrchestratorClient.id(id)}/state/unlock`, { body: input });
  }

  /** `GET /api/deployments/:id/state/history` */
  getStateHistory(id: string, query: HistoryQuery = {}): Promise<StateHistory> {
    return this.request('GET', `${OrchestratorClient.id(id)}/state/history`, { query: query as Query });
  }

  /** `POST /api/deployment-groups` */
  startDeploymentGroup(input: DeploymentGroupInput): Promise<DeploymentGroupView> {
    return this.request('POST', '/api/deployment-groups', { body: input });
  }

  /** `GET /api/deployment-groups/:id` */
  getDeploymentGroup(id: string): Promise<DeploymentGroupView> {
    return this.request('GET', `/api/deployment-groups/${encodeURIComponent(id)}`);
  }

  /** `POST /api/deployment-groups/:id/approve` */
  approveDeploymentGroup(id: string, input: ApprovalInput = {}): Promise<DeploymentGroupView> {
    return this.request('POST', `/api/deployment-groups/${encodeURIComponent(id)}/approve`, { body: input });
  }

  /** `POST /api/deployment-groups/:id/reject` */
  rejectDeploymentGroup(id: string, input: ApprovalInput = {}): Promise<DeploymentGroupView> {
    return this.request('POST', `/api/deployment-groups/${encodeURIComponent(id)}/reject`, { body: input });
  }

  /** `GET /api/deployments/:id/notifications` */
  getNotifications(id: string): Promise<NotificationLog> {
    return this.request('GET', `${OrchestratorClient.id(id)}/notifications`);
  }

  /** `GET /api/me` */
  getMe(): Promise<Me> {
    return this.request('GET', '/api/me');
  }

  /** `GET /health` */
  getHealth(): Promise<{ status: string }> {
    return this.request('GET', '/health');
  }

  /** `GET /ready` */
  getReadiness(): Promise<{ status: 'ready' | 'not_ready' }> {
    return this.request('GET', '/ready');
  }

  /** `GET /metrics` (Prometheus text) */
  async getMetrics(): Promise<string> {
    const res = await this.fetchImpl(this.url('/metrics'), { headers: this.headers({ accept: 'text/plain' }) });
    if (!res.ok) throw new ApiError(res.status, `HTTP ${res.status}`);
    return res.text();
  }

  /** `GET /openapi.json` */
  getOpenApiDocument(): Promise<Record<string, unknown>> {
    return this.request('GET', '/openapi.json');
  }
}

export type { LogEntry };
