import { dotnetTrim } from './chars';

/** Octostache TemplateEvaluator.IsTruthy: false for "", "0", and "no"/"false" (trimmed, any case). */
export function isTruthy(value: string): boolean {
  if (value === '' || value === '0') return false;
  const folded = dotnetTrim(value).toLowerCase();
  return folded !== 'no' && folded !== 'false';
}
