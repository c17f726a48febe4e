import { colourWanted } from './terminal';

/** What a command needs from its surroundings, so tests can run commands in-process. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  /** Whether stdout is a terminal: script text printed to it has its control sequences made harmless. */
  isTty: boolean;
  /** Whether to print colour (NO_COLOR, FORCE_COLOR, TERM=dumb); without it, as isTty. */
  colour?: boolean;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  isTty: Boolean(process.stdout.isTTY),
  colour: colourWanted(process.env, process.stdout),
};

/** Exit codes follow `timeout` and `docker run`. */
export const EXIT = {
  ok: 0,
  timedOut: 124,
  toolError: 125,
  rejected: 126,
} as const;
