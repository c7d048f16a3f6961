import type { ServerResponse } from 'node:http';

/** Open server-sent-event streams, so that shutdown can end them instead of waiting on them. */
export class LiveStreams {
  private readonly open = new Set<() => void>();

  /** Registers a stream's closer; returns the function that unregisters it. */
  add(close: () => void): () => void {
    this.open.add(close);
    return () => {
      this.open.delete(close);
    };
  }

  get size(): number {
    return this.open.size;
  }

  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}

/** Whether a request asked for a server-sent-event stream. */
export const wantsEventStream = (accept: string | undefined): boolean => !!accept && /\btext\/event-stream\b/i.test(accept);

/** Writes SSE frames to a hijacked response. */
export class EventStreamWriter {
  constructor(private readonly res: ServerResponse) {}

  open(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Tells nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    });
    this.res.write(': stream open\n\n');
  }

  event(name: string, data: unknown, id?: string | number): void {
    if (this.res.writableEnded) return;
    let frame = '';
    if (id !== undefined) frame += `id: ${id}\n`;
    frame += `event: ${name}\n`;
    // JSON never contains a raw newline, so one data line per event is enough.
    frame += `data: ${JSON.stringify(data)}\n\n`;
    this.res.write(frame);
  }

  comment(text: string): void {
    if (!this.res.writableEnded) this.res.write(`: ${text}\n\n`);
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}
