import corpusJson from '../../data/octostache/corpus.json';

export interface Vector {
  id: string;
  area: string;
  template: string | null;
  variables: Record<string, string>;
  expected: unknown;
  api?: string;
  name?: string;
  args?: unknown[];
  expectedAbsent?: string[];
  haltOnError?: boolean;
  compare?: 'trim';
  expectedError?: string | boolean;
  throws?: string;
  expectedAnyOf?: unknown[];
  skip?: string;
}

export const corpus = corpusJson as unknown as Vector[];
