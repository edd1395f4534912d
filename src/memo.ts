// Answers of pure functions kept by content, so that work over a fleet grows with its distinct
// configurations, not with its hosts. A key must hold everything the answer depends on (never a
// host name standing for its content); a full memo is emptied, never grown without bound.

/** A pure function's answers by content key, at most `limit` of them (then it starts afresh). */
export class ContentMemo<V> {
  private readonly answers = new Map<string, V>();

  constructor(private readonly limit: number) {}

  /** The answer for KEY, computed by `compute` the first time the key is seen. */
  get(key: string, compute: () => V): V {
    const known = this.answers.get(key);
    if (known !== undefined || this.answers.has(key)) return known as V;
    const v = compute();
    if (this.answers.size >= this.limit) this.answers.clear();
    this.answers.set(key, v);
    return v;
  }
}

/**
 * The same by a pair of keys, kept apart: callers pass strings they keep (a spec list's key, a
 * PF's key), whose hashes V8 caches, instead of a new joined string hashed at every call.
 */
export class PairMemo<V> {
  private readonly answers = new Map<string, Map<string, V>>();
  private size = 0;

  constructor(private readonly limit: number) {}

  get(first: string, second: string, compute: () => V): V {
    let inner = this.answers.get(first);
    if (inner !== undefined) {
      const known = inner.get(second);
      if (known !== undefined || inner.has(second)) return known as V;
    }
    const v = compute();
    if (this.size >= this.limit) {
      this.answers.clear();
      this.size = 0;
      inner = undefined;
    }
    if (inner === undefined) {
      inner = new Map();
      this.answers.set(first, inner);
    }
    inner.set(second, v);
    this.size++;
    return v;
  }
}
