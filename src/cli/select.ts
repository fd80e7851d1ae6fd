// Which instances to diagnose besides the ids on the command line: --tag, --filter, --all-running, and the
// --wait duration. Pure parsing and validation of what the user typed, before any AWS call; the one
// paginated ec2:DescribeInstances that resolves a selection lives in src/collect/select.ts.

/** An EC2 filter as DescribeInstances takes it. */
export interface Ec2Filter {
  Name: string;
  Values: string[];
}

export interface Selection {
  /** From --tag, in order: `tag:<Key>` (Key=Value) or `tag-key` (Key alone). */
  tags: Ec2Filter[];
  /** From --filter, in order. */
  filters: Ec2Filter[];
  /** --all-running: only instances in state running. */
  allRunning: boolean;
}

/** A --tag / --filter / --wait value that cannot be right: a usage error (exit 2), nothing sent to AWS. */
export class SelectionSyntaxError extends Error {}

/** EC2 accepts at most 200 values per filter. */
const MAX_FILTER_VALUES = 200;
const MAX_TAG_KEY = 128;
const MAX_TAG_VALUE = 256;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** States a --tag/--filter selection keeps unless the user filters on instance-state-name: not terminated. */
export const SELECTABLE_STATES = ['pending', 'running', 'stopping', 'stopped'];

function bad(message: string): never {
  throw new SelectionSyntaxError(message);
}

function show(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(clean.length > 60 ? `${clean.slice(0, 57)}...` : clean);
}

/**
 * `--tag Key=Value`: instances with that tag (value compared exactly; EC2 wildcards `*` and `?` allowed);
 * `--tag Key`: instances that have the tag key, whatever its value. Split at the first `=`, so values may
 * contain `=`. `Key=` (an empty value) is rejected as ambiguous: use `--tag Key`.
 */
export function parseTag(raw: string): Ec2Filter {
  if (raw === '' || raw.trim() === '') bad('--tag needs Key=Value or Key (e.g. --tag Env=prod)');
  if (CONTROL.test(raw)) bad(`--tag ${show(raw)} contains control characters`);
  const eq = raw.indexOf('=');
  const key = eq < 0 ? raw : raw.slice(0, eq);
  if (key === '') bad(`--tag ${show(raw)} has no key: expected Key=Value or Key`);
  if (key.length > MAX_TAG_KEY) bad(`--tag ${show(raw)}: a tag key has at most ${MAX_TAG_KEY} characters`);
  if (eq < 0) return { Name: 'tag-key', Values: [key] };
  const value = raw.slice(eq + 1);
  if (value === '') bad(`--tag ${show(raw)} has an empty value: use --tag ${key} to select by tag key, whatever the value`);
  if (value.length > MAX_TAG_VALUE) bad(`--tag ${show(raw)}: a tag value has at most ${MAX_TAG_VALUE} characters`);
  return { Name: `tag:${key}`, Values: [value] };
}

const FILTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:\-/]*$/;
const FILTER_SYNTAX = 'expected Name=<filter>,Values=<v1>[,<v2>...] (e.g. Name=vpc-id,Values=vpc-1,vpc-2)';

/**
 * `--filter` in the AWS CLI's shorthand (`Name=vpc-id,Values=vpc-1,vpc-2`) or as JSON
 * (`{"Name":"vpc-id","Values":["vpc-1"]}`). Values are ORed within a filter; filters are ANDed. The filter
 * name is not checked against EC2's list (AWS answers an unknown one with InvalidParameterValue).
 */
export function parseFilter(raw: string): Ec2Filter {
  if (CONTROL.test(raw)) bad(`--filter ${show(raw)} contains control characters`);
  let name: string;
  let values: string[];
  const text = raw.trim();
  if (text.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      bad(`--filter ${show(raw)} is not valid JSON; ${FILTER_SYNTAX}`);
    }
    const o = doc as { Name?: unknown; Values?: unknown };
    if (typeof o.Name !== 'string' || !Array.isArray(o.Values) || !o.Values.every((v) => typeof v === 'string')) {
      bad(`--filter ${show(raw)}: JSON needs {"Name": string, "Values": [string, ...]}`);
    }
    name = o.Name;
    values = o.Values as string[];
  } else {
    const m = /^name=(.*?),values=(.*)$/is.exec(text);
    if (!m) bad(`--filter ${show(raw)}: ${FILTER_SYNTAX}`);
    name = m[1]!;
    values = m[2]!.split(',');
  }
  // tag:<Key> names carry a tag key, which may hold more characters than EC2's own filter names.
  const validName = name.startsWith('tag:') ? name.length > 4 && name.length <= 4 + MAX_TAG_KEY : FILTER_NAME.test(name);
  if (!validName) bad(`--filter ${show(raw)}: ${show(name)} is not a filter name; ${FILTER_SYNTAX}`);
  if (values.length === 0 || values.some((v) => v === '')) bad(`--filter ${show(raw)}: every value must be non-empty; ${FILTER_SYNTAX}`);
  if (values.length > MAX_FILTER_VALUES) bad(`--filter ${show(raw)}: EC2 takes at most ${MAX_FILTER_VALUES} values per filter`);
  return { Name: name, Values: values };
}

export function emptySelection(): Selection {
  return { tags: [], filters: [], allRunning: false };
}

/** True when the user asked for a selection (and DescribeInstances must resolve it). */
export function hasSelection(s: Selection): boolean {
  return s.tags.length > 0 || s.filters.length > 0 || s.allRunning;
}

/**
 * The filters of the one DescribeInstances that resolves a selection (all ANDed). Without an explicit
 * `instance-state-name` filter, --all-running keeps `running` instances and the other selections every
 * instance that is not shutting down or terminated (a replaced instance keeps its tags for an hour).
 */
export function selectionFilters(s: Selection): Ec2Filter[] {
  const out = [...s.tags, ...s.filters];
  const stateGiven = s.filters.some((f) => f.Name === 'instance-state-name' || f.Name === 'instance-state-code');
  if (s.allRunning) out.push({ Name: 'instance-state-name', Values: ['running'] });
  else if (!stateGiven) out.push({ Name: 'instance-state-name', Values: SELECTABLE_STATES });
  return out;
}

/** The selection as the user typed it, for messages: `--tag Env=prod --all-running`. */
export function describeSelection(s: Selection): string {
  const parts = [
    ...s.tags.map((t) => `--tag ${t.Name === 'tag-key' ? t.Values[0] : `${t.Name.slice(4)}=${t.Values[0]}`}`),
    ...s.filters.map((f) => `--filter Name=${f.Name},Values=${f.Values.join(',')}`),
    ...(s.allRunning ? ['--all-running'] : []),
  ];
  return parts.join(' ');
}

// ---------------------------------------------------------------- durations

export const DEFAULT_WAIT = '10m';
const MAX_WAIT_MS = 24 * 3600_000;

/**
 * `30s`, `90s`, `5m`, `1h`, `1h30m`, `2m30s`, or a bare number of seconds, into milliseconds;
 * between 1 second and 24 hours.
 */
export function parseDuration(raw: string): number {
  const text = raw.trim().toLowerCase();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
    if (!m || text === '') bad(`invalid duration ${show(raw)}: expected e.g. 30s, 5m, 1h or 1h30m`);
    ms = (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * 1000;
  }
  if (ms < 1000) bad(`invalid duration ${show(raw)}: at least 1s`);
  if (ms > MAX_WAIT_MS) bad(`invalid duration ${show(raw)}: at most 24h`);
  return ms;
}

/** `1h5m`, `1m30s`, `45s`, `0s` (rounded up to whole seconds). */
export function formatDuration(ms: number): string {
  let s = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const out = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
  return out || '0s';
}

/** Reads --tag / --filter / --all-running as commander gives them (throws SelectionSyntaxError). */
export function selectionOf(o: { tag?: string[]; filter?: string[]; allRunning?: boolean }): Selection {
  return { tags: (o.tag ?? []).map(parseTag), filters: (o.filter ?? []).map(parseFilter), allRunning: Boolean(o.allRunning) };
}

/** The one line when a selection matched nothing (a gate that selects nothing fails: exit 1). */
export function noMatchMessage(s: Selection, region: string): string {
  const states = s.allRunning ? 'only running instances are selected' : 'terminated instances are not selected';
  return `no instance matched ${describeSelection(s)} in ${region} (${states}; check the tags, filters, --region and --profile)`;
}
