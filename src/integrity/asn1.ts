// asn1js and pkijs 4 are ES modules only. Node (>= 20.19, 22.12) loads them with require();
// Jest's module registry cannot, so when its require throws we use Node's own loader,
// reached through process.getBuiltinModule (which Jest does not replace).

type Asn1js = typeof import('asn1js');
type Pkijs = typeof import('pkijs');

function load<T>(name: 'asn1js' | 'pkijs', direct: () => unknown): T {
  try {
    return direct() as T;
  } catch (error) {
    const real = process.getBuiltinModule?.('node:module');
    if (!real) throw error;
    return real.createRequire(__filename)(name) as T;
  }
}

/**
 * Loaded on first use: most steps are never verified, and parsing these two modules costs a
 * worker's cold start (and every `tidepool run`) tens of milliseconds.
 */
function lazy<T extends object>(loadModule: () => T): T {
  let loaded: T | undefined;
  return new Proxy({} as T, {
    get: (_target, property) => Reflect.get((loaded ??= loadModule()), property),
  });
}

/* eslint-disable @typescript-eslint/no-require-imports -- static requires, so bundlers see them */
export const asn1js: Asn1js = lazy(() => load<Asn1js>('asn1js', () => require('asn1js')));
export const pkijs: Pkijs = lazy(() => load<Pkijs>('pkijs', () => require('pkijs')));
/* eslint-enable @typescript-eslint/no-require-imports */
