/** Placeholder shown instead of a secret. */
export const MASK = '***';

/** Values shorter than this are not registered: masking "1" or "eu" would shred every log line. */
const MIN_SECRET_LENGTH = 4;

/** Environment variable names whose values are credentials. */
const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|ACCESS_KEY|PRIVATE_KEY|CLIENT_ID|CREDENTIAL|API_KEY|CONNECTION_STRING|SAS)/i;

/** Whether an environment variable or attribute name looks like it holds a secret. */
export const isSecretName = (name: string): boolean => SECRET_NAME.test(name);

/**
 * A registry of secret values, masked wherever text leaves the SDK: log lines, errors, events, responses.
 * Longest values are replaced first so a secret that contains another is masked whole.
 */
export class Redactor {
  private readonly values = new Set<string>();
  private pattern: RegExp | null = null;

  constructor(initial: Iterable<string> = []) {
    for (const v of initial) this.add(v);
  }

  /** Registers a secret (and its JSON-escaped and base64 forms, which is how tools often echo it). */
  add(value: unknown): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    const forms = [value, JSON.stringify(value).slice(1, -1), Buffer.from(value).toString('base64')];
    let changed = false;
    for (const f of forms) {
      if (f.length >= MIN_SECRET_LENGTH && !this.values.has(f)) {
        this.values.add(f);
        changed = true;
      }
    }
    if (changed) this.pattern = null;
  }

  /** Registers the values of every env var whose name looks secret. */
  addEnv(env: Record<string, string | undefined>): void {
    for (const [k, v] of Object.entries(env)) if (v && isSecretName(k)) this.add(v);
  }

  get size(): number {
    return this.values.size;
  }

  /** Masks every registered value in a string. */
  redact(text: string): string {
    if (this.values.size === 0 || !text) return text;
    if (!this.pattern) {
      const sorted = [...this.values].sort((a, b) => b.length - a.length);
      this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    }
    return text.replace(this.pattern, MASK);
  }

  /** Deep copy of a JSON-like value with every string redacted. */
  redactValue<T>(value: T): T {
    if (this.values.size === 0) return value;
    return this.walk(value) as T;
  }

  private walk(v: unknown): unknown {
    if (typeof v === 'string') return this.redact(v);
    if (Array.isArray(v)) return v.map((x) => this.walk(x));
    if (v && typeof v === 'object' && (v.constructor === Object || Object.getPrototypeOf(v) === null)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.walk(x);
      return out;
    }
    return v;
  }

  /** A copy of this registry plus extra values (per-deployment secrets on top of the credentials). */
  child(): Redactor {
    const c = new Redactor();
    for (const v of this.values) c.values.add(v);
    return c;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
