import { randomBytes } from 'node:crypto';
import schema from '../../schemas/step.schema.json';

/**
 * What a deploymentId or stepId may be: the published schema's own definition, so the worker,
 * the CLI and the schema cannot disagree. ':' is allowed because event payloads name steps by
 * their timestamps (EventBridge's `time`, Scheduler's `<aws.scheduler.scheduled-time>`).
 */
export const ID_PATTERN = new RegExp(schema.definitions.id.pattern, 'u');

/** The rule in words, for error messages. */
export const ID_RULE =
  "letters, digits, '.', '_', ':' and '-', starting with a letter or digit, at most 128 characters";

export function isId(text: string): boolean {
  return ID_PATTERN.test(text);
}

/**
 * A UUID version 7 (RFC 9562): the time in milliseconds, then 74 random bits. Ids sort by
 * the time they were made, and two made in the same millisecond still differ.
 */
export function uuidv7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    hex.slice(12, 16),
    hex.slice(16, 20),
    hex.slice(20),
  ].join('-');
}

/**
 * A fresh id that says where it came from: `<stem>-<uuidv7>`, e.g. `deploy-0193…`. The stem
 * is cut to 80 characters, so the id (at most 117) always fits ID_PATTERN.
 */
export function generatedId(stem: string): string {
  const clean =
    stem
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._-]+/, '')
      .slice(0, 80) || 'step';
  return `${clean}-${uuidv7()}`;
}
