// Text to the terminal's width: prose wrapped at word boundaries with a hanging indent, and shell commands broken
// with ` \` continuations between their options, so a wrapped command still pastes and runs in bash and zsh.
import { displayWidth } from './table.js';

/** Default width when the terminal's is unknown (not a terminal, no COLUMNS). */
export const DEFAULT_WIDTH = 80;

/** Columns to lay the report out for: the terminal's, else COLUMNS, else 80; never under 40. */
export function outputWidth(columns: number | undefined, env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env.COLUMNS);
  const w = columns && columns > 0 ? columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_WIDTH;
  return Math.max(40, Math.min(w, 240));
}

/** Splits a word wider than `width` columns into pieces that fit, after a `/`, `:` or `,` where one is near. */
function hardSplit(word: string, width: number): string[] {
  const out: string[] = [];
  let rest = word;
  while (displayWidth(rest) > width) {
    let cut = 0;
    let w = 0;
    for (const ch of rest) {
      if (w + displayWidth(ch) > width) break;
      w += displayWidth(ch);
      cut += ch.length;
    }
    const sep = Math.max(rest.lastIndexOf('/', cut - 1), rest.lastIndexOf(':', cut - 1), rest.lastIndexOf(',', cut - 1));
    const at = sep >= cut / 2 ? sep + 1 : cut;
    out.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  if (rest) out.push(rest);
  return out;
}

/**
 * Wraps plain text to `width` columns: the first line starts with `first`, the others with `rest` (a hanging
 * indent). Existing line breaks are kept; a word longer than a line is cut.
 */
export function wrap(text: string, width: number, first = '', rest = first): string[] {
  const out: string[] = [];
  let prefix = first;
  for (const para of text.split('\n')) {
    const words = para.split(/ +/).filter(Boolean);
    let line = prefix;
    let empty = true;
    for (const word of words) {
      const room = width - displayWidth(line) - (empty ? 0 : 1);
      if (displayWidth(word) <= room) {
        line += (empty ? '' : ' ') + word;
        empty = false;
        continue;
      }
      if (!empty) {
        out.push(line);
        prefix = rest;
        line = prefix;
      }
      const avail = Math.max(10, width - displayWidth(prefix));
      const pieces = hardSplit(word, avail);
      for (const [i, p] of pieces.entries()) {
        if (i < pieces.length - 1) {
          out.push(prefix + p);
          prefix = rest;
        } else line = prefix + p;
      }
      empty = false;
    }
    out.push(line.trimEnd());
    prefix = rest;
  }
  return out;
}

/**
 * Words of a shell command, quoted strings kept whole (a line break inside quotes would change the command).
 * Runs of spaces outside quotes separate words; a break inside `$(...)` is fine for bash and zsh.
 */
export function shellWords(cmd: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i]!;
    if (quote) {
      cur += ch;
      if (ch === '\\' && quote === '"' && i + 1 < cmd.length) cur += cmd[++i];
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '\\' && i + 1 < cmd.length) {
      cur += ch + cmd[++i];
      continue;
    }
    if (ch === ' ') {
      if (cur) words.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur) words.push(cur);
  return words;
}

/**
 * A shell command in lines of at most `width` columns: breaks before an option (`--name`) where it can, between
 * any two words where an option and its values are too long for a line; each broken line ends in ` \` and the
 * next is indented by 4 more columns. Pastes and runs in bash and zsh as one command (a backslash-newline outside
 * quotes is a line continuation in both). A single word wider than the line stays whole.
 */
export function shellLines(cmd: string, width: number, indent: string): string[] {
  if (displayWidth(indent + cmd) <= width) return [indent + cmd];
  const cont = `${indent}    `;
  const room = width - displayWidth(cont) - 2;
  // Groups: a command word or an option with its values; a group too wide for a line falls apart into words.
  const groups: string[][] = [];
  for (const w of shellWords(cmd)) {
    if (groups.length === 0 || (w.startsWith('--') && !/^--[=\s]*$/.test(w))) groups.push([w]);
    else groups[groups.length - 1]!.push(w);
  }
  const pieces = groups.flatMap((g) => (displayWidth(g.join(' ')) > room ? g : [g.join(' ')]));
  const lines: string[] = [];
  let line = indent;
  for (const piece of pieces) {
    const fresh = line === indent || line === cont;
    if (!fresh && displayWidth(`${line} ${piece}`) + 2 > width) {
      lines.push(`${line} \\`);
      line = cont + piece;
    } else line += (fresh ? '' : ' ') + piece;
  }
  lines.push(line);
  return lines;
}
