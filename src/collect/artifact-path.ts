import * as path from 'node:path';

/**
 * Whether `candidate` (already resolved through symlinks) lies inside `root` (also resolved).
 * Pure, so the rule can be tested without a file system.
 */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative !== '' &&
    !relative.startsWith(`..${path.sep}`) &&
    relative !== '..' &&
    !path.isAbsolute(relative)
  );
}

/** A file name safe to use as the last part of an object key. */
export function safeArtifactFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  return (cleaned || 'artifact').slice(0, 120);
}
