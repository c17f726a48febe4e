/** What a command needs from its surroundings, so tests can run commands in-process. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  /** Whether stdout is a terminal (colour, progress bars). */
  isTty: boolean;
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
};

/** Exit codes follow `timeout` and `docker run`. */
export const EXIT = {
  ok: 0,
  timedOut: 124,
  toolError: 125,
  rejected: 126,
} as const;
