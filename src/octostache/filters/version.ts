import { EvaluationError } from '../errors';
import type { Filter, FilterFamily } from './types';

interface Version {
  major: string;
  minor: string;
  patch: string;
  revision: string;
  preRelease: string;
  prefix: string;
  counter: string;
  metadata: string;
}

const VERSION =
  /^(?:[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?)?(?:[.\-_\\]?((?:[^.\-_\\+]*)(?:[.\-_\\]([^+]*))?))?(?:\+(.*))?$/s;

const num = (s: string | undefined): string => (s ? String(Number(s)) : '0');

/** Octopus.Versioning's lenient parse: [v]major[.minor[.patch[.revision]]][sep prerelease][+meta]. */
function parseVersion(text: string): Version {
  if (!text) throw new EvaluationError('Value cannot be null or empty. (Parameter "version")');
  const m = VERSION.exec(text) ?? [];
  const preRelease = m[5] ?? '';
  const sep = /[.\-_\\]/.exec(preRelease);
  return {
    major: num(m[1]),
    minor: num(m[2]),
    patch: num(m[3]),
    revision: num(m[4]),
    preRelease,
    prefix: sep ? preRelease.slice(0, sep.index) : preRelease,
    counter: sep ? preRelease.slice(sep.index + 1) : '',
    metadata: m[7] ?? '',
  };
}

const part =
  (key: keyof Version): Filter =>
  (input) =>
    input === null ? null : parseVersion(input)[key];

export const versionFilters: FilterFamily = {
  /** @example `#{Version | VersionMajor}` with Version = `1.2.3.4-branch.1+meta` → `1` */
  VersionMajor: part('major'),
  VersionMinor: part('minor'),
  VersionPatch: part('patch'),
  VersionRevision: part('revision'),
  /** @example `1.2.3.4-branch.1+meta` → `branch.1` */
  VersionPreRelease: part('preRelease'),
  /** @example `1.2.3.4-branch.1+meta` → `branch` */
  VersionPreReleasePrefix: part('prefix'),
  /** @example `1.2.3.4-branch.1+meta` → `1` */
  VersionPreReleaseCounter: part('counter'),
  /** @example `1.2.3.4-branch.1+meta` → `meta` */
  VersionMetadata: part('metadata'),
};
