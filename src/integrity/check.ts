// The integrity stage: part 6 verifies signatures here. Until then every script passes,
// and the verdict says so, so results and attestations can already carry it.

export interface IntegritySubject {
  syntax: 'bash' | 'powershell';
  script: { text: string; origin: 'inline' | 'store'; key?: string };
  modules: Array<{ name: string; text: string; origin: 'inline' | 'store' | 'variable' }>;
}

export type IntegrityVerdict =
  | { allowed: true; policy: string; notes: string[] }
  | { allowed: false; policy: string; reason: string };

export type IntegrityCheck = (subject: IntegritySubject) => Promise<IntegrityVerdict>;

export const allowAll: IntegrityCheck = async () => ({
  allowed: true,
  policy: 'Unrestricted',
  notes: [],
});
