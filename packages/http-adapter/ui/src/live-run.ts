import { useEffect, useState } from 'preact/hooks';
import { RunProgress, type DeploymentView, type OrchestratorClient } from '../../src/client/index.js';

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'planned', 'rolled_back']);

/**
 * A deployment followed live: the record (re-read on every status change and at the end) and the
 * progress built from its log stream (per-resource statuses, the log lines), reconnecting from the
 * last cursor if the stream drops before the run ends.
 */
export function useLiveRun(client: OrchestratorClient, id: string) {
  const [deployment, setDeployment] = useState<DeploymentView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [, setTick] = useState(0);
  const [progress] = useState(() => new RunProgress());
  const [version, setVersion] = useState(0);

  const reload = () =>
    client.getDeployment(id).then(
      (d) => {
        setDeployment(d);
        setError(null);
        return d;
      },
      (e: Error) => {
        setError(e.message);
        return null;
      },
    );

  useEffect(() => {
    const abort = new AbortController();
    let frame = 0;
    const redraw = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setTick((t) => t + 1);
      });
    };
    void (async () => {
      for (let attempt = 0; attempt < 30 && !abort.signal.aborted; attempt++) {
        try {
          for await (const e of client.streamLogs(id, { cursor: progress.cursor, signal: abort.signal })) {
            progress.apply(e);
            if (e.type === 'status' || e.type === 'end') await reload();
            redraw();
            if (e.type === 'end') return;
          }
        } catch (e) {
          if (abort.signal.aborted) return;
          setError((e as Error).message);
        }
        const d = await reload();
        if (!d || TERMINAL.has(d.status)) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    })();
    return () => {
      abort.abort();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [id, version]);

  return { deployment, progress, error, reload, restart: () => setVersion((v) => v + 1) };
}
