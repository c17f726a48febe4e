// The `##octopus[...]` wire format (contract section 4.1). Pure: text in, data out.

export const PREFIX = '##octopus[';

export interface ServiceMessage {
  name: string;
  /** Attribute names lower-cased (the server reads them case-insensitively); values decoded. */
  attributes: Map<string, string>;
}

export type ParsedLine =
  | { kind: 'text'; text: string }
  | { kind: 'message'; message: ServiceMessage; rest: string }
  | { kind: 'malformed'; raw: string; rest: string }
  /** A message whose `]` has not arrived yet: the caller joins following lines to it. */
  | { kind: 'incomplete' };

const NAME = /^[A-Za-z][A-Za-z0-9_.-]*/;
const ATTRIBUTE = /^([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(?:'([^']*)'|"([^"]*)")\s*/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeBase64Strict(value: string): string | undefined {
  if (!BASE64.test(value)) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

export function encodeBase64(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

/** Parses the inside of `##octopus[` ... `]`, as Calamari does: trimmed, CR/LF removed. */
export function parseMessageBody(body: string): ServiceMessage | undefined {
  let text = body.replace(/[\r\n]/g, '').trim();
  if (text.startsWith('[')) text = text.slice(1);
  const nameMatch = NAME.exec(text);
  if (!nameMatch) return undefined;
  const name = nameMatch[0];
  let rest = text.slice(name.length);
  if (rest.length > 0 && !/^\s/.test(rest)) return undefined;
  rest = rest.trimStart();
  const attributes = new Map<string, string>();
  while (rest.length > 0) {
    const attr = ATTRIBUTE.exec(rest);
    if (!attr) return undefined;
    const decoded = decodeBase64Strict(attr[2] ?? attr[3] ?? '');
    if (decoded === undefined) return undefined;
    attributes.set((attr[1] ?? '').toLowerCase(), decoded);
    rest = rest.slice(attr[0].length);
  }
  return { name, attributes };
}

/**
 * Recognises a message only at the start of a line (the server's rule); text after the
 * closing `]` stays ordinary log text.
 */
export function parseLine(line: string): ParsedLine {
  if (!line.startsWith(PREFIX)) return { kind: 'text', text: line };
  const end = line.indexOf(']', PREFIX.length);
  if (end < 0) return { kind: 'incomplete' };
  const raw = line.slice(0, end + 1);
  const rest = line.slice(end + 1);
  const message = parseMessageBody(line.slice(PREFIX.length, end));
  return message ? { kind: 'message', message, rest } : { kind: 'malformed', raw, rest };
}
