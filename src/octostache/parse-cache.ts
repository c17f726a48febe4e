import type { Template } from './ast';
import { parseTemplate } from './parser/template';

const MAX_ENTRIES = 10_000;
const cache = new Map<string, Template | null>();

/** Halt-mode parse of a variable value, memoised; null when the value is not a valid template. */
export function parseValue(value: string): Template | null {
  const hit = cache.get(value);
  if (hit !== undefined) return hit;
  const parsed = parseTemplate(value, true);
  const template = parsed.ok ? parsed.template : null;
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(value, template);
  return template;
}
