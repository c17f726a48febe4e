// Masks sensitive values in log text. Plain, case-sensitive substring matching as Octopus
// does, widened to the encoded forms that leak through other tools: JSON-escaped,
// URL-encoded, base64 at any byte offset, and each line of a multi-line secret.

export const MASK = '********';
const MIN_LENGTH = 4;

function isMaskable(value: string): boolean {
  return value.length >= MIN_LENGTH && value.trim().length > 0;
}

/**
 * The base64 characters that depend only on `secret`, for each of the three byte
 * alignments it can have inside a longer encoded string.
 */
export function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString('base64').replace(/=+$/, '');
    const skip = [0, 2, 3][offset] ?? 0;
    // A trailing partial group: its last character mixes in bits of whatever follows.
    const drop = padded.length % 3 === 0 ? 0 : 1;
    const core = encoded.slice(skip, encoded.length - drop);
    if (core.length >= MIN_LENGTH) cores.push(core);
  }
  return cores;
}

/** Every text form of `secret` that should be masked. */
export function maskForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (value: string) => {
    if (isMaskable(value)) forms.add(value);
  };
  const parts = secret.includes('\n') || secret.includes('\r') ? secret.split(/\r\n|\r|\n/) : [];
  for (const candidate of [secret, ...parts]) {
    add(candidate);
    add(JSON.stringify(candidate).slice(1, -1));
    add(encodeURIComponent(candidate));
    add(encodeURIComponent(candidate).replace(/%20/g, '+'));
  }
  // A multi-line secret printed without its line breaks (e.g. `echo $x` unquoted).
  if (parts.length > 0) {
    add(parts.join(''));
    add(parts.join(' '));
  }
  for (const core of base64Cores(secret)) add(core);
  return [...forms];
}

export class Masker {
  private readonly secrets = new Set<string>();
  private forms: string[] = [];

  /** Adds a value to mask from now on. Values under four characters are never masked. */
  add(secret: string | undefined): void {
    if (secret === undefined || !isMaskable(secret) || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    const all = new Set([...this.forms, ...maskForms(secret)]);
    this.forms = [...all].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.secrets.size;
  }

  apply(text: string): string {
    if (this.forms.length === 0 || text.length < MIN_LENGTH) return text;
    const spans: Array<[number, number]> = [];
    for (const form of this.forms) {
      let at = text.indexOf(form);
      while (at >= 0) {
        spans.push([at, at + form.length]);
        at = text.indexOf(form, at + 1);
      }
    }
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0]);
    let out = '';
    let cursor = 0;
    let current: [number, number] | undefined;
    for (const span of spans) {
      if (current && span[0] <= current[1]) {
        current[1] = Math.max(current[1], span[1]);
        continue;
      }
      if (current) {
        out += text.slice(cursor, current[0]) + MASK;
        cursor = current[1];
      }
      current = [span[0], span[1]];
    }
    if (current) out += text.slice(cursor, current[0]) + MASK + text.slice(current[1]);
    return out;
  }
}
