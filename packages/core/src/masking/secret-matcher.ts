/**
 * Finds every occurrence of a fixed set of secret strings in a text and replaces each with a mask, with
 * the semantics of a longest-first regex alternation: leftmost match first, the longest secret when
 * several start at the same place (so a secret containing another is masked whole), never overlapping.
 * Immutable: built once per secret set (a run's, or the service's credentials), shared by every line the
 * set masks.
 *
 * Why length-bucketed q-gram hashing rather than a regex or Aho-Corasick: every secret is at least
 * {@link MIN_PATTERN_LENGTH} characters. Secrets are grouped by length into buckets with a minimum length
 * m; a secret of length ≥ m contains a four-character window at every offset 0..m-4, so indexing those
 * windows lets the scan of that bucket look at only every (m-3)-th position of the text and still see
 * every occurrence (every 13th for secrets of 16+ characters, which real tokens and keys are). At each position
 * looked at, one hash of four characters and one bit of a bitset sized to the bucket (a few % false
 * positives) decide whether to look further; only on a hit are the few candidates compared. So a line
 * costs a few integer operations per (m-3) characters, whatever the number of secrets, with no allocation
 * unless something matches, and building costs one pass over the secrets. A regex alternation of 10k
 * literals (what this replaces) backtracks per position and was rebuilt per deploy; a JavaScript
 * Aho-Corasick automaton visits every character through object-based transitions, several times slower.
 * The worst case is many secrets sharing a four-character window that the text repeats, which costs a
 * comparison per such secret there: a run can only slow its own log masking that way, and the number of
 * secrets per request is bounded.
 */
export const MIN_PATTERN_LENGTH = 4;

const Q = MIN_PATTERN_LENGTH;

/** Minimum lengths of the buckets; a bucket holds secrets from its minimum to the next one's. */
const BUCKET_MIN = [4, 8, 16] as const;

/**
 * The secrets of one length class. Its index maps the hash of each indexed window to the (secret, offset)
 * pairs that have it: an open-addressing table over typed arrays (chains of entries), built in one pass
 * without an object per entry, so that building the index of thousands of secrets takes milliseconds.
 */
class Bucket {
  readonly stride: number;
  private readonly secrets: readonly string[];
  private readonly filter: Int32Array;
  private readonly filterMask: number;
  private readonly slotKey: Int32Array;
  private readonly slotHead: Int32Array;
  private readonly slotMask: number;
  /** Per entry: the next entry with the same hash (-1 ends), and secret index * stride + offset. */
  private readonly next: Int32Array;
  private readonly ref: Int32Array;

  constructor(minLength: number, secrets: readonly string[]) {
    this.stride = minLength - Q + 1;
    this.secrets = secrets;
    const entries = secrets.length * this.stride;
    this.next = new Int32Array(entries);
    this.ref = new Int32Array(entries);
    const slots = pow2AtLeast(entries * 2);
    this.slotKey = new Int32Array(slots);
    this.slotHead = new Int32Array(slots).fill(-1);
    this.slotMask = slots - 1;
    // ~32 bits per entry keeps false positives at a few %.
    const bits = Math.min(pow2AtLeast(entries * 32), 1 << 26);
    this.filter = new Int32Array(bits >>> 5);
    this.filterMask = bits - 1;
    let e = 0;
    secrets.forEach((secret, index) => {
      for (let o = 0; o < this.stride; o++, e++) {
        const h = windowHash(secret, o);
        const slot = this.slotOf(h);
        if (this.slotHead[slot] === -1) this.slotKey[slot] = h;
        this.next[e] = this.slotHead[slot];
        this.slotHead[slot] = e;
        this.ref[e] = index * this.stride + o;
        const bit = mix(h) & this.filterMask;
        this.filter[bit >>> 5] |= 1 << (bit & 31);
      }
    });
  }

  /** The slot holding hash `h`, or the empty slot where it would go (linear probing). */
  private slotOf(h: number): number {
    let slot = mix(h ^ 0x5bd1e995) & this.slotMask;
    while (this.slotHead[slot] !== -1 && this.slotKey[slot] !== h) slot = (slot + 1) & this.slotMask;
    return slot;
  }

  /** Adds every occurrence in `text` of this bucket's secrets to `found` as [start, length] pairs. */
  scan(text: string, found: number[]): void {
    const { filter, filterMask, stride } = this;
    for (let i = 0; i + Q <= text.length; i += stride) {
      const h = windowHash(text, i);
      const bit = mix(h) & filterMask;
      if ((filter[bit >>> 5] & (1 << (bit & 31))) === 0) continue;
      for (let e = this.slotHead[this.slotOf(h)]; e !== -1; e = this.next[e]) {
        const r = this.ref[e];
        const secret = this.secrets[(r / stride) | 0];
        const start = i - (r % stride);
        if (start >= 0 && text.startsWith(secret, start)) found.push(start, secret.length);
      }
    }
  }
}

function pow2AtLeast(n: number): number {
  let p = 1 << 10;
  while (p < n) p *= 2;
  return p;
}

export class SecretMatcher {
  private readonly buckets: Bucket[] = [];
  readonly size: number;

  constructor(patterns: Iterable<string>) {
    const unique = new Set<string>();
    for (const p of patterns) if (p.length >= Q) unique.add(p);
    this.size = unique.size;
    const byBucket = BUCKET_MIN.map(() => [] as string[]);
    for (const p of unique) {
      let b = BUCKET_MIN.length - 1;
      while (p.length < BUCKET_MIN[b]) b--;
      byBucket[b].push(p);
    }
    byBucket.forEach((secrets, b) => {
      if (secrets.length > 0) this.buckets.push(new Bucket(BUCKET_MIN[b], secrets));
    });
  }

  /** `text` with every secret replaced by `mask` (the same string when nothing matched). */
  replace(text: string, mask: string): string {
    if (this.size === 0 || text.length < Q) return text;
    const found: number[] = [];
    for (const b of this.buckets) b.scan(text, found);
    if (found.length === 0) return text;
    const order = Array.from({ length: found.length / 2 }, (_, k) => k);
    // Leftmost first, then longest: what a longest-first alternation matches.
    order.sort((a, b) => found[2 * a] - found[2 * b] || found[2 * b + 1] - found[2 * a + 1]);
    let out = '';
    let last = 0;
    for (const k of order) {
      const start = found[2 * k];
      if (start < last) continue;
      out += text.slice(last, start) + mask;
      last = start + found[2 * k + 1];
    }
    return out + text.slice(last);
  }
}

/** A 32-bit hash of the four UTF-16 code units from `i`. */
function windowHash(s: string, i: number): number {
  let h = Math.imul(s.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ s.charCodeAt(i + 1), 0x01000193);
  h = Math.imul(h ^ s.charCodeAt(i + 2), 0x01000193);
  return Math.imul(h ^ s.charCodeAt(i + 3), 0x01000193);
}

/** Spreads a window hash over a bitset. */
function mix(h: number): number {
  const x = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return x ^ (x >>> 16);
}
