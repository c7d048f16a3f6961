import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { DeploymentStatus, LogEntry } from '@iac-orchestrator/core';

/** One event of a deployment's live log stream (`GET /api/deployments/:id/logs`, `text/event-stream`). */
export type LiveEvent =
  | { type: 'log'; entry: LogEntry; cursor: number | null }
  | { type: 'status'; status: DeploymentStatus; previous: DeploymentStatus | null }
  | { type: 'end'; status: DeploymentStatus; error: string | null }
  | { type: 'error'; error: string };

/** Reads SSE frames from a response body (fetch in Node or a browser) and yields the stream's events. */
export async function* readEventStream(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<LiveEvent> {
  const queue: LiveEvent[] = [];
  const parser = createParser({
    onEvent: (m: EventSourceMessage) => {
      const e = toLiveEvent(m);
      if (e) queue.push(e);
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const onAbort = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read().catch((e: unknown) => {
        if (signal?.aborted) return { done: true as const, value: undefined };
        throw e;
      });
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      while (queue.length) yield queue.shift()!;
    }
    while (queue.length) yield queue.shift()!;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock?.();
  }
}

function toLiveEvent(m: EventSourceMessage): LiveEvent | null {
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(m.data) as Record<string, unknown>;
  } catch {
    return null;
  }
  switch (m.event) {
    case 'log':
      return { type: 'log', entry: data as unknown as LogEntry, cursor: m.id && /^\d+$/.test(m.id) ? Number(m.id) : null };
    case 'status':
      return { type: 'status', status: data.status as DeploymentStatus, previous: (data.previous ?? null) as DeploymentStatus | null };
    case 'end':
      return { type: 'end', status: data.status as DeploymentStatus, error: (data.error ?? null) as string | null };
    case 'error':
      return { type: 'error', error: String(data.error ?? 'stream error') };
    default:
      return null;
  }
}
