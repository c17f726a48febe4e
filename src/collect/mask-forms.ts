// The text forms a secret takes when tools print it. Plain, case-sensitive matching as Octopus
// does, widened to the encodings that leak through other tools: JSON (as JavaScript, Python,
// jq -a and PowerShell escape it), percent-encoding (every common dialect), base64 at any byte
// offset (standard and URL-safe), and each line of a multi-line secret.

export const MIN_LENGTH = 4;

export function isMaskable(value: string): boolean {
  return value.length >= MIN_LENGTH && value.trim().length > 0;
}

const hex4 = (code: number, upper: boolean) => {
  const h = code.toString(16).padStart(4, '0');
  return `\\u${upper ? h.toUpperCase() : h}`;
};

/** JSON string bodies: JSON.stringify, ASCII-only (`\uXXXX` either case), `\/`, HTML-safe. */
function jsonForms(value: string): string[] {
  if (/^[ !#-%(-*,-.0-;=?-[\]-~]*$/.test(value)) return [];
  const plain = JSON.stringify(value).slice(1, -1);
  const out = [plain];
  for (const upper of [false, true]) {
    // Python json.dumps and jq -a escape non-ASCII per UTF-16 unit, so astral characters
    // become surrogate pairs, as here.
    let ascii = '';
    for (let i = 0; i < plain.length; i++) {
      const code = plain.charCodeAt(i);
      ascii += code > 0x7e ? hex4(code, upper) : plain[i];
    }
    out.push(ascii);
    // Windows PowerShell and .NET's default encoder also escape < > & ' (and + for .NET).
    out.push(ascii.replace(/[<>&'+]/g, (c) => hex4(c.charCodeAt(0), upper)));
  }
  for (const form of [...out]) out.push(form.replace(/\//g, '\\/'));
  return out;
}

const hexOf = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`;

/**
 * encodeURIComponent (keeps `!'()*`), RFC 3986 strict (EscapeDataString, UriDataEscape,
 * Python `quote(s, safe='')`), Python `quote` (keeps `/`), each also with `+` for a space
 * (`quote_plus`, forms) and in both cases of hex.
 */
function percentForms(value: string): string[] {
  let component: string;
  try {
    component = encodeURIComponent(value);
  } catch {
    // A lone surrogate: no tool prints it percent-encoded either.
    return [];
  }
  if (component === value) return [];
  const strict = component.replace(/[!'()*]/g, hexOf);
  const dialects = [component, strict, strict.replace(/%2F/g, '/')];
  const out: string[] = [];
  for (const upper of dialects) {
    const lower = upper.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
    for (const form of [upper, lower]) out.push(form, form.replace(/%20/g, '+'));
  }
  return out;
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

/** base64 cores, standard and URL-safe (RFC 4648 section 5). */
export function base64Forms(secret: string): string[] {
  const cores = base64Cores(secret);
  return [...cores, ...cores.map((c) => c.replace(/\+/g, '-').replace(/\//g, '_'))];
}

/** The text forms of `secret` (base64 apart), each at least MIN_LENGTH long. */
export function textForms(secret: string): string[] {
  const forms = new Set<string>();
  const add = (value: string) => {
    if (isMaskable(value)) forms.add(value);
  };
  const parts = secret.includes('\n') || secret.includes('\r') ? secret.split(/\r\n|\r|\n/) : [];
  for (const candidate of [secret, ...parts]) {
    add(candidate);
    for (const form of jsonForms(candidate)) add(form);
    for (const form of percentForms(candidate)) add(form);
  }
  // A multi-line secret printed without its line breaks (e.g. `echo $x` unquoted).
  if (parts.length > 0) {
    add(parts.join(''));
    add(parts.join(' '));
  }
  return [...forms];
}

/** Every text form of `secret` that should be masked. */
export function maskForms(secret: string): string[] {
  return [...new Set([...textForms(secret), ...base64Forms(secret)])];
}
