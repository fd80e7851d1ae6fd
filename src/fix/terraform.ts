// Terraform of a whole report: every snippet the fixes carry, split into top-level blocks and consolidated so
// each resource (data source, import, locals entry) is defined once and the result pastes into one file.

export interface TfBlock {
  /** What makes two blocks the same thing: `aws_vpc_endpoint.ssm`, `data.aws_iam_policy.x`, `import:aws_x.y`, `locals:name`. */
  address: string;
  /** The block's text, with the comment lines right above it. */
  text: string;
}

const BLOCK_START = /^(resource|data|import|locals|variable|output|module|provider|moved|removed|check|terraform)\b(.*)$/;

/**
 * Top-level blocks of an HCL snippet, in order. Braces are counted outside strings, comments and heredocs.
 * Comment lines directly above a block belong to it; stray top-level text is kept as its own block.
 */
export function splitBlocks(hcl: string): TfBlock[] {
  const lines = hcl.replace(/\r\n/g, '\n').split('\n');
  const out: TfBlock[] = [];
  let pending: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const m = BLOCK_START.exec(line.trim());
    if (!m || line.startsWith(' ') || line.startsWith('\t')) {
      if (line.trim() === '') {
        if (pending.length && pending.every((l) => l.trim().startsWith('#') || l.trim().startsWith('//'))) {
          // a blank line between a comment and a block: the comment still introduces the block
        } else if (pending.length) {
          out.push({ address: `text:${pending.join('\n')}`, text: pending.join('\n') });
          pending = [];
        }
      } else pending.push(line);
      i++;
      continue;
    }
    const body: string[] = [];
    let depth = 0;
    let heredoc: string | undefined;
    let started = false;
    for (; i < lines.length; i++) {
      const l = lines[i]!;
      body.push(l);
      if (heredoc) {
        if (l.trim() === heredoc) heredoc = undefined;
        continue;
      }
      const scan = scanBraces(l);
      depth += scan.delta;
      if (scan.opened) started = true;
      if (scan.heredoc) heredoc = scan.heredoc;
      if (started && depth <= 0 && !heredoc) {
        i++;
        break;
      }
    }
    const text = [...pending, ...body].join('\n');
    pending = [];
    out.push(...blocksOf(m[1]!, body.join('\n'), text));
  }
  if (pending.some((l) => l.trim())) out.push({ address: `text:${pending.join('\n')}`, text: pending.join('\n') });
  return out;
}

/** Brace balance of one line, ignoring strings and comments; the heredoc marker a line opens, if any. */
function scanBraces(line: string): { delta: number; opened: boolean; heredoc?: string } {
  let delta = 0;
  let opened = false;
  let inString = false;
  for (let j = 0; j < line.length; j++) {
    const ch = line[j]!;
    if (inString) {
      if (ch === '\\') j++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '#' || (ch === '/' && line[j + 1] === '/')) break;
    else if (ch === '{') {
      delta++;
      opened = true;
    } else if (ch === '}') delta--;
    else if (ch === '<' && line[j + 1] === '<') {
      const h = /^<<-?([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(line.slice(j));
      if (h) return { delta, opened, heredoc: h[1] };
    }
  }
  return { delta, opened };
}

/** The address of a block; a `locals` block becomes one block per local so equal locals merge. */
function blocksOf(kind: string, body: string, text: string): TfBlock[] {
  const labels = [...body.split('\n')[0]!.matchAll(/"([^"]*)"/g)].map((x) => x[1]);
  switch (kind) {
    case 'resource':
      return [{ address: labels.join('.'), text }];
    case 'data':
      return [{ address: `data.${labels.join('.')}`, text }];
    case 'import': {
      const to = /\bto\s*=\s*([A-Za-z0-9_.\-[\]"]+)/.exec(body)?.[1];
      return [{ address: `import:${to ?? body}`, text }];
    }
    case 'locals': {
      const names = [...body.matchAll(/^\s{2}([A-Za-z_][A-Za-z0-9_-]*)\s*=/gm)].map((x) => x[1]);
      return [{ address: `locals:${names.join(',') || body}`, text }];
    }
    default:
      return [{ address: `${kind}.${labels.join('.') || body}`, text }];
  }
}

export interface Consolidated {
  /** All blocks, each address once, in first-seen order, separated by blank lines; ends with a newline. */
  terraform: string;
  /**
   * Addresses two snippets defined differently. The first definition is kept; each other one is written above it as
   * comments (CONFLICT_NOTE), so the file says so.
   */
  conflicts: string[];
}

/**
 * List arguments that gather one value per instance in a resource made once for many instances, by resource type:
 * two definitions that differ only in these lists are one resource listing every value (the agent update
 * association of several instances targets them all).
 */
const GATHERED: Record<string, string[]> = {
  aws_ssm_association: ['values'],
};

/** The first line of the comment that shows a definition consolidation could not write. */
export const CONFLICT_NOTE = '# ssm-doctor: another fix defines';

/**
 * The snippets as one Terraform file: identical blocks once, gathered lists merged, an address defined twice
 * differently reported, the other definition left in the file as a comment above the written one.
 */
export function consolidateTerraform(snippets: (string | undefined)[]): Consolidated {
  const seen = new Map<string, string>();
  const conflicts: string[] = [];
  for (const s of snippets) {
    if (!s) continue;
    for (const b of splitBlocks(s)) {
      const prev = seen.get(b.address);
      if (prev === undefined) {
        seen.set(b.address, b.text);
        continue;
      }
      if (normalise(prev) === normalise(b.text)) {
        // The same block, perhaps noting a conflict met in an earlier consolidation (a cause's merged fix): keep the note.
        const notes = withoutNotes(b.text).notes.filter((n) => !prev.includes(n));
        if (notes.length) seen.set(b.address, [...notes, prev].join('\n'));
        continue;
      }
      const merged = gather(b.address, prev, b.text);
      if (merged !== undefined) {
        seen.set(b.address, merged);
        continue;
      }
      if (!conflicts.includes(b.address)) conflicts.push(b.address);
      const note = conflictNote(b.address, b.text);
      if (!prev.includes(note)) seen.set(b.address, `${note}\n${prev}`);
    }
  }
  const terraform = [...seen.values()].map((t) => t.replace(/\s+$/, '')).join('\n\n');
  return { terraform: terraform ? `${terraform}\n` : '', conflicts };
}

/** A definition of an address that another one took the place of, as comments to write above the kept one. */
function conflictNote(address: string, text: string): string {
  const code = withoutNotes(text).code.replace(/\s+$/, '').split('\n');
  return [`${CONFLICT_NOTE} ${address} differently; only the definition below is written. The other one:`, ...code.map((l) => `#   ${l}`)].join('\n');
}

/** The conflict notes at the top of a block's text, and the rest of it. */
function withoutNotes(text: string): { notes: string[]; code: string } {
  const lines = text.split('\n');
  const notes: string[][] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith(CONFLICT_NOTE)) notes.push([line]);
    else if (notes.length && line.startsWith('#   ')) notes.at(-1)!.push(line);
    else break;
  }
  return { notes: notes.map((n) => n.join('\n')), code: lines.slice(i).join('\n') };
}

/**
 * Two definitions of a resource that differ only in its gathered lists (GATHERED), as one: the first's text with
 * each such list holding the values of both, in first-seen order. Undefined when they differ in anything else.
 */
function gather(address: string, a: string, b: string): string | undefined {
  const keys = GATHERED[address.split('.')[0]!];
  if (!keys) return undefined;
  const code = (text: string) =>
    text
      .split('\n')
      .map((line, index) => ({ line, index, norm: normaliseLine(line) }))
      .filter((l) => l.norm && !l.line.trim().startsWith('#'));
  const la = code(a);
  const lb = code(b);
  if (la.length !== lb.length) return undefined;
  const out = a.split('\n');
  for (let i = 0; i < la.length; i++) {
    const x = la[i]!;
    const y = lb[i]!;
    if (x.norm === y.norm) continue;
    const lx = LIST_LINE.exec(x.norm);
    const ly = LIST_LINE.exec(y.norm);
    if (!lx || !ly || lx[1] !== ly[1] || !keys.includes(lx[1]!)) return undefined;
    const items = [stringItems(lx[2]!), stringItems(ly[2]!)];
    if (!items[0] || !items[1]) return undefined;
    const all = [...new Set([...items[0], ...items[1]])];
    out[x.index] = x.line.replace(/\[.*\]/, `[${all.join(', ')}]`);
  }
  return out.join('\n');
}

/** `values = ["a", "b"]` on one line: the argument and the list's text. */
const LIST_LINE = /^([A-Za-z_][A-Za-z0-9_-]*) = \[(.*)\]$/;

/** The quoted strings of a list's text (`"a", "b"`), or undefined when it holds anything else. */
function stringItems(list: string): string[] | undefined {
  const items = list.match(/"(?:[^"\\]|\\.)*"/g) ?? [];
  return list.replace(/"(?:[^"\\]|\\.)*"/g, '').replace(/[\s,]/g, '') === '' ? items : undefined;
}

/** Blocks compare equal when they differ only in comments and spacing. */
function normalise(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .map(normaliseLine)
    .filter(Boolean)
    .join('\n');
}

/** A line without its trailing comment, its spacing collapsed. */
function normaliseLine(line: string): string {
  return line.replace(/\s+#.*$/, '').trim().replace(/\s+/g, ' ');
}

/**
 * Terraform for a change to a resource the user already has (it cannot be created again): the arguments to set,
 * as comments. Valid HCL on its own that defines nothing, so it never clashes with another snippet.
 */
export function tfChange(where: string, lines: string[]): string {
  return `${[`# In the Terraform that manages ${where}, set:`, ...lines.map((l) => `#   ${l}`)].join('\n')}\n`;
}
