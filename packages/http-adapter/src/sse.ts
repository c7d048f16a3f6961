import type { ServerResponse } from 'node:http';

/** A live stream refused because its token already holds the most streams allowed (answered 429). */
export class TooManyStreamsError extends Error {
  readonly code = 'TOO_MANY_STREAMS';
  constructor(readonly max: number) {
    super(`Too many live log streams for this token (at most ${max} at once): close one first`);
    this.name = 'TooManyStreamsError';
  }
}

/**
 * Open server-sent-event streams: each belongs to one connection and one token, so that shutdown can
 * end them, a token cannot hold more than `maxPerOwner` at once, and their number can be observed.
 */
export class LiveStreams {
  private readonly open = new Set<() => void>();
  private readonly perOwner = new Map<string, number>();

  constructor(readonly maxPerOwner = 20) {}

  /**
   * Takes a slot for `owner` and registers the stream's closer; returns the function that gives both back
   * (idempotent). Throws {@link TooManyStreamsError} when the owner has no slot left.
   */
  add(close: () => void, owner = ''): () => void {
    const held = this.perOwner.get(owner) ?? 0;
    if (held >= this.maxPerOwner) throw new TooManyStreamsError(this.maxPerOwner);
    this.perOwner.set(owner, held + 1);
    this.open.add(close);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.open.delete(close);
      const n = (this.perOwner.get(owner) ?? 1) - 1;
      if (n > 0) this.perOwner.set(owner, n);
      else this.perOwner.delete(owner);
    };
  }

  /** Streams open now (each with its poller). */
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
