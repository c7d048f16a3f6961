import { SecretMatcher } from './masking/secret-matcher.js';

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
 *
 * Matching goes through a `SecretMatcher` built once per set of values (again only after values
 * were added), so masking a line costs time linear in the line, not in the number of secrets. A
 * {@link Redactor.child | child} is a scope on top of its parent (the service's credentials, fixed): a
 * run's secrets go into the run's child and are dropped with it, never into the process-wide parent.
 */
export class Redactor {
  private readonly values = new Set<string>();
  private matcher: SecretMatcher | null = null;
  /** Parent generation the matcher was built against (a child re-builds if its parent gained values). */
  private builtAgainst = -1;
  private generation = 0;

  constructor(
    initial: Iterable<string> = [],
    private readonly parent: Redactor | null = null,
  ) {
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
    if (changed) {
      this.matcher = null;
      this.generation++;
    }
  }

  /** Registers the values of every env var whose name looks secret. */
  addEnv(env: Record<string, string | undefined>): void {
    for (const [k, v] of Object.entries(env)) if (v && isSecretName(k)) this.add(v);
  }

  /** Number of registered forms, this scope's and its parents'. */
  get size(): number {
    return this.values.size + (this.parent?.size ?? 0);
  }

  /** Masks every registered value (this scope's and its parents') in a string. */
  redact(text: string): string {
    if (!text) return text;
    return this.currentMatcher()?.replace(text, MASK) ?? text;
  }

  /**
   * {@link redact}, for text a tool or an executor may have cut to a length (an error summary): a cut
   * can split a secret, whose first part no longer matches it. So a tail of the text that is the start
   * of a registered value (at least 4 characters of it, as for any registered value) is masked too. Costs a
   * few comparisons per value; may mask an innocent ending that happens to start a secret.
   */
  redactTruncated(text: string): string {
    const out = this.redact(text);
    if (!out || this.size === 0) return out;
    let cut = -1;
    for (const v of this.allValues()) {
      for (let k = Math.min(v.length - 1, out.length); k >= MIN_SECRET_LENGTH; k--) {
        if (out.endsWith(v.slice(0, k))) {
          cut = Math.max(cut, k);
          break;
        }
      }
    }
    return cut > 0 ? out.slice(0, out.length - cut) + MASK : out;
  }

  /** Deep copy of a JSON-like value with every string redacted. */
  redactValue<T>(value: T): T {
    if (this.size === 0) return value;
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

  /**
   * A scope on top of this registry: it masks this registry's values and its own, and what is added to
   * it stays in it (per-deployment secrets on top of the credentials, gone with the scope).
   */
  child(): Redactor {
    return new Redactor([], this);
  }

  /** One matcher over this scope and its parents, rebuilt only when either gained values. */
  private currentMatcher(): SecretMatcher | null {
    const parentGeneration = this.parent?.lineage() ?? 0;
    if (this.matcher && this.builtAgainst === parentGeneration) return this.matcher;
    if (this.size === 0) return null;
    this.matcher = new SecretMatcher(this.allValues());
    this.builtAgainst = parentGeneration;
    return this.matcher;
  }

  /** A number that grows whenever this scope or a parent gains values (generations only grow). */
  private lineage(): number {
    return this.generation + (this.parent?.lineage() ?? 0);
  }

  private *allValues(): Generator<string> {
    yield* this.values;
    if (this.parent) yield* this.parent.allValues();
  }
}
