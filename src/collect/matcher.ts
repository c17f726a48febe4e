// Aho–Corasick over every form of every secret: one pass over the text, whatever the number of
// secrets. Nodes live in flat arrays (first child / next sibling) so that 10,000 secrets cost a
// few megabytes, not a Map per node; the root's children are a direct table.

// Node 0 is the root, never a child: 0 also says "no node" (typed arrays start zeroed).
const NONE = 0;

/** How a scan continues into the next line of the same stream (wrapped base64). */
export type Carry = number;

export interface Scan {
  /** Spans to mask, sorted and merged, as [start, end) pairs. */
  spans: Array<[number, number]>;
  /** The state to continue from on the next line, or undefined. */
  carry: Carry | undefined;
  /** Transitions taken: the work done, for tests of the algorithm's shape. */
  steps: number;
}

export class Matcher {
  private readonly char: Uint16Array;
  private readonly firstChild: Int32Array;
  private readonly nextSibling: Int32Array;
  private readonly fail: Int32Array;
  private readonly depth: Int32Array;
  /** Length of the longest pattern that ends at this node (its own or through failure links). */
  private readonly out: Int32Array;
  /** 1 when the node is a prefix of a base64 form, which may go on in the next line. */
  private readonly wraps: Uint8Array;
  /**
   * The root's children by character, for a large automaton: the root is where most
   * transitions start. A small one (most levels) searches them as any node's.
   */
  private readonly root: Int32Array | undefined;
  private nodes = 1;
  readonly patterns: number;

  constructor(
    patterns: ReadonlyArray<{ text: string; wraps: boolean }>,
    private readonly minEdge: number
  ) {
    // A trie has at most one node per pattern character, plus the root.
    let capacity = 1;
    for (const p of patterns) capacity += p.text.length;
    this.char = new Uint16Array(capacity);
    this.firstChild = new Int32Array(capacity);
    this.nextSibling = new Int32Array(capacity);
    this.fail = new Int32Array(capacity);
    this.depth = new Int32Array(capacity);
    this.out = new Int32Array(capacity);
    this.wraps = new Uint8Array(capacity);
    this.root = capacity > 4096 ? new Int32Array(0x10000) : undefined;
    for (const p of patterns) this.insert(p.text, p.wraps);
    this.patterns = patterns.length;
    this.link();
  }

  private child(node: number, code: number): number {
    if (node === 0 && this.root) return this.root[code] ?? NONE;
    for (let c = this.firstChild[node] ?? NONE; c !== NONE; c = this.nextSibling[c] ?? NONE) {
      if (this.char[c] === code) return c;
    }
    return NONE;
  }

  private insert(text: string, wraps: boolean): void {
    let node = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      let next = this.child(node, code);
      if (next === NONE) {
        next = this.nodes++;
        this.char[next] = code;
        this.nextSibling[next] = this.firstChild[node] ?? NONE;
        this.firstChild[node] = next;
        if (node === 0 && this.root) this.root[code] = next;
        this.depth[next] = i + 1;
      }
      node = next;
      if (wraps) this.wraps[node] = 1;
    }
    this.out[node] = text.length;
  }

  /** Failure links, breadth first. */
  private link(): void {
    const queue = new Int32Array(this.nodes);
    let tail = 0;
    for (let c = this.firstChild[0] ?? NONE; c !== NONE; c = this.nextSibling[c] ?? NONE) {
      queue[tail++] = c;
    }
    for (let head = 0; head < tail; head++) {
      const node = queue[head] ?? 0;
      for (let c = this.firstChild[node] ?? NONE; c !== NONE; c = this.nextSibling[c] ?? NONE) {
        const code = this.char[c] ?? 0;
        let f = this.fail[node] ?? 0;
        let target = this.child(f, code);
        while (target === NONE && f !== 0) {
          f = this.fail[f] ?? 0;
          target = this.child(f, code);
        }
        this.fail[c] = target === NONE || target === c ? 0 : target;
        this.out[c] = Math.max(this.out[c] ?? 0, this.out[this.fail[c] ?? 0] ?? 0);
        queue[tail++] = c;
      }
    }
  }

  /**
   * Finds every form in `text`. A scan may start from the carry of the previous line: a base64
   * form wrapped across lines is then matched whole, and the part on this line masked. A line
   * that ends inside a base64 form has that part masked too (at least `minEdge` characters).
   * A `cut` text (a line split at a length bound) ends inside any form: it carries every form
   * on, and masks its end inside one whatever its length.
   */
  scan(text: string, from: Carry = 0, cut = false): Scan {
    if (text.length === 0) return { spans: [], carry: undefined, steps: 0 };
    const spans: Array<[number, number]> = [];
    let node = from;
    let steps = 0;
    const push = (start: number, end: number) => {
      let s = Math.max(0, start);
      // Ends only grow; merge back over every span this one reaches.
      let last = spans[spans.length - 1];
      while (last && s <= last[1]) {
        s = Math.min(s, last[0]);
        spans.pop();
        last = spans[spans.length - 1];
      }
      spans.push([s, end]);
    };
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      let next = this.child(node, code);
      steps++;
      while (next === NONE && node !== 0) {
        node = this.fail[node] ?? 0;
        next = this.child(node, code);
        steps++;
      }
      node = next === NONE ? 0 : next;
      const length = this.out[node] ?? 0;
      if (length > 0) push(i + 1 - length, i + 1);
    }
    let edge = node;
    while (!cut && edge !== 0 && this.wraps[edge] !== 1) {
      edge = this.fail[edge] ?? 0;
      steps++;
    }
    const depth = this.depth[edge] ?? 0;
    if (edge !== 0 && (cut || depth >= this.minEdge)) push(text.length - depth, text.length);
    return { spans, carry: edge === 0 ? undefined : edge, steps };
  }
}
