// Validation of what the user typed, before any AWS call.

/** `i-` followed by 8 or 17 lowercase hex digits. */
export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** A hybrid (on-premises / non-EC2) managed node: `mi-` followed by 17 lowercase hex digits. */
export const MANAGED_NODE_ID = /^mi-[0-9a-f]{17}$/;

/** True for `mi-` ids: registered with Systems Manager but not EC2 instances. */
export function isManagedNode(id: string): boolean {
  return MANAGED_NODE_ID.test(id);
}

/**
 * The shape of AWS region names (us-east-1, us-gov-west-1, us-isob-east-1, eusc-de-east-1...): lowercase words joined
 * by dashes, ending in a number. Only the shape: a name the SDK does not know is tried (new regions appear before
 * SDK updates), and gets a suggestion only when nothing answers (src/cli/network-failure.ts).
 */
export const REGION = /^[a-z]{2,4}(?:-[a-z]+){1,3}-\d{1,2}$/;

/** Shortens and neutralises user input for quoting in a one-line error message. */
export function quote(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > 40 ? `${clean.slice(0, 37)}...` : clean);
}

export function invalidInstanceIds(ids: string[]): string[] {
  return ids.filter((id) => !INSTANCE_ID.test(id) && !MANAGED_NODE_ID.test(id));
}

/** A word fit to paste into bash or zsh: bare when it is plain, else single-quoted. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_.,:/@%+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Characters that must never reach the terminal (controls, line separators, bidi overrides). */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
/** What is certainly not a Name tag: a mistyped instance or node id, another resource id, an ARN, a bare hex id. */
const NOT_A_NAME = /^(?:m?i-|arn:|(?:sg|vpc|subnet|ami|eni|vol|snap|igw|nat|rtb|acl|vpce|eipalloc|lt|r)-[0-9a-f]+$|[0-9a-f]{8}(?:[0-9a-f]{9})?$)/i;

/**
 * For a positional argument that is not an instance id but plausibly names instances: `--tag Name=<word>`
 * (or `--tag KEY=VALUE` when it already has that shape), quoted for the shell. Undefined when it looks like
 * a mistyped id or is not printable.
 */
export function tagSuggestion(word: string): string | undefined {
  if (!word.trim() || word.length > 128 || UNPRINTABLE.test(word) || NOT_A_NAME.test(word) || /^(?:help|version)$/i.test(word)) return undefined;
  const eq = word.indexOf('=');
  if (eq === -1) return `--tag ${shellWord(`Name=${word}`)}`;
  return eq > 0 && eq < word.length - 1 ? `--tag ${shellWord(word)}` : undefined;
}

/** Instance or node ids inside a longer text (a console URL): bounded by characters that cannot continue one. */
const EMBEDDED_ID = /(?<![0-9A-Za-z-])m?i-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![0-9A-Za-z])/g;

/**
 * What the user probably meant by a word that is not an instance id, as the end of the usage error: an id inside
 * a pasted console URL (`did you mean i-0123...?`), an id in capitals (`instance ids are lowercase: i-0123...`),
 * ids joined by commas (`separate ids with spaces: i-1 i-2`), stray whitespace, else a Name tag (tagSuggestion).
 */
export function idHint(word: string): string | undefined {
  const isId = (s: string) => INSTANCE_ID.test(s) || MANAGED_NODE_ID.test(s);
  if (word.includes(',')) {
    const parts = word.split(',').map((p) => p.trim()).filter(Boolean);
    if (parts.length > 1 && parts.every((p) => /^m?i-/i.test(p))) {
      return parts.every(isId) ? `separate ids with spaces: ${parts.join(' ')}` : 'separate ids with spaces';
    }
  }
  if (isId(word.toLowerCase())) return `${word.toLowerCase().startsWith('mi-') ? 'node' : 'instance'} ids are lowercase: ${word.toLowerCase()}`;
  if (word.trim() !== word && isId(word.trim())) return `did you mean ${word.trim()}?`;
  if (/:\/\/|instanceId=|[?#&]/.test(word)) {
    const found = [...new Set(word.match(EMBEDDED_ID) ?? [])];
    if (found.length) return `did you mean ${found.join(' ')}?`;
    // A URL without an id is no Name either.
    if (word.includes('://')) return undefined;
  }
  const tag = tagSuggestion(word);
  return tag ? `did you mean ${tag}?` : undefined;
}

/**
 * The output format asked for on a command line, read without commander (for a run that fails before or while
 * commander parses it): the last `--format X` / `--format=X` before `--`, else `json` for `--json`; undefined when
 * they disagree.
 */
export function formatInArgs(argv: string[]): string | undefined {
  let format: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--json') json = true;
    else if (a === '--format' && i + 1 < argv.length) format = argv[++i];
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
  }
  // `--json` with another format is itself the usage error: no document is sure to be wanted.
  if (json && format !== undefined && format !== 'json') return undefined;
  return format ?? (json ? 'json' : undefined);
}
