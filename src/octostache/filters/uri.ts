import type { FilterFamily } from './types';
import { uriPart } from './uri-part';

const UNRESERVED = /[A-Za-z0-9\-._~]/;
const RESERVED = /[:/?#[\]@!$&'()*+,;=]/;

function percentEncode(input: string, keep: (c: string) => boolean): string {
  let out = '';
  for (const c of input) {
    if (c.length === 1 && keep(c)) out += c;
    else
      for (const b of Buffer.from(c, 'utf8'))
        out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export const uriFilters: FilterFamily = {
  /** Uri.EscapeUriString. @example `#{Foo | UriEscape}` with Foo = `A b:c+d/e` → `A%20b:c+d/e` */
  UriEscape: (input, args) =>
    input === null || args.length
      ? null
      : percentEncode(input, (c) => UNRESERVED.test(c) || RESERVED.test(c)),
  /** Uri.EscapeDataString. @example `#{Foo | UriDataEscape}` with Foo = `A b:c` → `A%20b%3Ac` */
  UriDataEscape: (input, args) =>
    input === null || args.length ? null : percentEncode(input, (c) => UNRESERVED.test(c)),
  /** @example `#{Url | UriPart Host}` with Url = `https://octopus.com/docs` → `octopus.com` */
  UriPart: (input, args) => (input === null ? null : uriPart(input, args)),
};
