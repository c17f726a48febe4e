const DEFAULT_PORTS: Record<string, number> = {
  http: 80,
  https: 443,
  ftp: 21,
  ws: 80,
  wss: 443,
  ldap: 389,
  mailto: 25,
  news: 119,
  nntp: 119,
  gopher: 70,
  telnet: 23,
};

class RelativeUriError extends Error {}

function hostNameType(host: string): string {
  if (!host) return 'Basic';
  if (host.startsWith('[')) return 'IPv6';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return 'IPv4';
  return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(host) ? 'Dns' : 'Basic';
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

type Parts = Record<string, () => string>;

function absoluteParts(url: URL): Parts {
  const scheme = url.protocol.replace(/:$/, '');
  const port = url.port ? Number(url.port) : (DEFAULT_PORTS[scheme] ?? -1);
  const defaultPort = !url.port || Number(url.port) === DEFAULT_PORTS[scheme];
  const host = url.hostname;
  const authority = host + (defaultPort ? '' : `:${port}`);
  const userInfo = url.username ? url.username + (url.password ? `:${url.password}` : '') : '';
  const isFile = scheme === 'file';
  const path = url.pathname;
  return {
    absolutepath: () => path,
    absoluteuri: () => url.href,
    authority: () => authority,
    dnssafehost: () => host.replace(/^\[|\]$/g, ''),
    fragment: () => url.hash,
    host: () => host,
    hostandport: () => `${host}:${port}`,
    hostnametype: () => hostNameType(host),
    isabsoluteuri: () => 'true',
    isdefaultport: () => String(defaultPort),
    isfile: () => String(isFile),
    isloopback: () => String(isLoopback(host) || (isFile && !host)),
    isunc: () => String(isFile && host !== ''),
    path: () =>
      isFile
        ? host
          ? `\\\\${host}${path.replace(/\//g, '\\')}`
          : decodeURIComponent(path)
        : decodeURIComponent(path),
    pathandquery: () => path + url.search,
    port: () => String(port),
    query: () => url.search,
    scheme: () => scheme,
    schemeandserver: () => `${scheme}://${authority}`,
    userinfo: () => userInfo,
  };
}

function relativeParts(): Parts {
  const fail = (): string => {
    throw new RelativeUriError('This operation is not supported for a relative URI.');
  };
  const parts: Parts = {};
  for (const key of Object.keys(absoluteParts(new URL('http://x')))) parts[key] = fail;
  parts.isabsoluteuri = () => 'false';
  return parts;
}

/** UriPart: a System.Uri property of an absolute or relative URI, or an error text. */
export function uriPart(input: string, args: readonly string[]): string {
  const part = args[0];
  if (part === undefined) return '[UriPart error: no argument given]';
  let parts: Parts;
  if (/^[a-z][a-z0-9+.-]*:/i.test(input)) {
    try {
      parts = absoluteParts(new URL(input));
    } catch {
      return input;
    }
  } else if (/^[^\s]*$/.test(input)) {
    parts = relativeParts();
  } else {
    return input;
  }
  const get = parts[part.toLowerCase()];
  if (!get) return `[UriPart ${part} error: argument '${part}' not supported]`;
  try {
    return get();
  } catch (e) {
    return `[UriPart ${part} error: ${(e as Error).message}]`;
  }
}
