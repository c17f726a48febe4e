/**
 * What reaches a terminal. Script output is text for people to read, never commands for their
 * terminal: an OSC 52 sequence would write the clipboard, `ESC [2J` clear the screen, a cursor
 * move overwrite lines already printed (or hide a line between two others). So every control
 * character of script text is shown as a visible stand-in, and only the colours Tidepool adds
 * itself are sent as escape sequences.
 */

/** C0 controls but tab and line feed, DEL and the C1 controls (0x9b is a one-byte CSI). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/g;

function standIn(char: string): string {
  const code = char.charCodeAt(0);
  // Unicode's Control Pictures: U+241B '␛' for ESC, U+2421 '␡' for DEL.
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `<${code.toString(16).toUpperCase()}>`;
}

/** `text` with every control character but tab and line feed made visible and harmless. */
export function neutralise(text: string): string {
  return text.replace(CONTROL, standIn);
}

/** What colourWanted needs of a stream: Node's tty.WriteStream has both. */
export interface ColourStream {
  isTTY?: boolean;
  hasColors?: (env?: NodeJS.ProcessEnv) => boolean;
}

/**
 * Whether to print colour, by Node's own rules (tty.WriteStream#hasColors: FORCE_COLOR wins,
 * then NO_COLOR, NODE_DISABLE_COLORS and TERM=dumb turn it off) and on a terminal only, unless
 * FORCE_COLOR asks for it on a pipe too. `FORCE_COLOR` of '', 1, 2, 3 or true forces it on;
 * any other value (0, false) off.
 */
export function colourWanted(env: NodeJS.ProcessEnv, stream: ColourStream): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return ['', '1', '2', '3', 'true'].includes(force);
  if (stream.isTTY !== true) return false;
  if (stream.hasColors) return stream.hasColors(env);
  return env.NO_COLOR === undefined && env.NODE_DISABLE_COLORS === undefined && env.TERM !== 'dumb';
}
