// Wire-format helpers for the local AWS server: XML rendering, query-parameter parsing, errors,
// pagination tokens, EC2-style filters. No AWS knowledge beyond the protocols lives here.
import { createHash, randomUUID } from 'node:crypto';
import type { ApiError } from '../../../src/facts/facts.js';

export type Service = 'ec2' | 'ssm' | 'iam' | 'sts' | JsonEvidenceService | 's3';

/** The awsJson1_1 services besides SSM (session KMS key, log group, CloudTrail). */
export type JsonEvidenceService = 'kms' | 'logs' | 'cloudtrail';

/** Services answering in awsJson1_1 (errors as JSON with status 400). */
export function isJsonService(s: Service): boolean {
  return s === 'ssm' || s === 'kms' || s === 'logs' || s === 'cloudtrail';
}

// ---------- XML ----------

export type XmlValue = string | number | boolean | null | undefined | XmlNode | XmlList;
export interface XmlNode {
  [tag: string]: XmlValue;
}

/** A list element: `<groupSet><item>..</item></groupSet>` (EC2) or `<Roles><member>..</member></Roles>` (query). */
export class XmlList {
  constructor(
    readonly tag: string,
    readonly values: readonly XmlValue[],
  ) {}
}

/** EC2 lists: `<xxxSet><item>...</item></xxxSet>`. */
export const items = (values: readonly XmlValue[]): XmlList => new XmlList('item', values);
/** awsQuery (IAM/STS) lists: `<Xxx><member>...</member></Xxx>`. */
export const members = (values: readonly XmlValue[]): XmlList => new XmlList('member', values);

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function element(tag: string, v: XmlValue): string {
  if (v === undefined || v === null) return '';
  if (v instanceof XmlList) return `<${tag}>${v.values.map((x) => element(v.tag, x)).join('')}</${tag}>`;
  if (typeof v === 'object') return `<${tag}>${renderXml(v)}</${tag}>`;
  return `<${tag}>${xmlEscape(String(v))}</${tag}>`;
}

/** Children of a node, in insertion order; undefined/null members are left out (as AWS omits them). */
export function renderXml(node: XmlNode): string {
  let out = '';
  for (const [tag, v] of Object.entries(node)) out += element(tag, v);
  return out;
}

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

export const EC2_XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export function ec2Response(action: string, requestId: string, body: XmlNode): string {
  return `${XML_DECL}<${action}Response xmlns="${EC2_XMLNS}"><requestId>${requestId}</requestId>${renderXml(body)}</${action}Response>`;
}

export function queryResponse(service: 'iam' | 'sts', action: string, requestId: string, body: XmlNode | null): string {
  const ns = service === 'iam' ? IAM_XMLNS : STS_XMLNS;
  const result = body === null ? '' : `<${action}Result>${renderXml(body)}</${action}Result>`;
  return `${XML_DECL}<${action}Response xmlns="${ns}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

// ---------- Errors ----------

/** An AWS error answer. Thrown by handlers; rendered per protocol by the server. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status; defaults per protocol (see statusFor). */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Not an answer: leave the request unanswered (timeout) or drop the connection (network failure). */
export class NoAnswer extends Error {
  constructor(readonly how: 'hang' | 'drop') {
    super(how);
  }
}

const SERVER_ERROR_CODES = new Set(['InternalError', 'InternalFailure', 'InternalServerError', 'ServiceUnavailable', 'Unavailable', 'ServiceFailure']);
const THROTTLE_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'SlowDown',
]);

/** The throttling answer each service really gives. */
export function throttleError(service: Service): AwsError {
  switch (service) {
    case 'ec2':
      return new AwsError('RequestLimitExceeded', 'Request limit exceeded.', 503);
    case 'ssm':
    case 'kms':
    case 'logs':
    case 'cloudtrail':
      return new AwsError('ThrottlingException', 'Rate exceeded', 400);
    case 's3':
      return new AwsError('SlowDown', 'Please reduce your request rate.', 503);
    default:
      return new AwsError('Throttling', 'Rate exceeded', 400);
  }
}

/** How the server answers a read recorded in the facts as failed. */
export function errorFromFact(e: ApiError, service: Service): Error {
  switch (e.kind) {
    case 'throttled': {
      const t = throttleError(service);
      return THROTTLE_CODES.has(e.code) ? new AwsError(e.code, e.message || t.message, t.status) : t;
    }
    case 'timeout':
      return new NoAnswer('hang');
    case 'network':
      return new NoAnswer('drop');
    case 'denied':
    case 'credentials':
      return new AwsError(e.code, e.message, isJsonService(service) ? 400 : 403);
    default:
      return new AwsError(e.code, e.message, SERVER_ERROR_CODES.has(e.code) ? 500 : 400);
  }
}

export function statusFor(err: AwsError): number {
  if (err.status) return err.status;
  return SERVER_ERROR_CODES.has(err.code) ? 500 : 400;
}

export function ec2ErrorBody(err: AwsError, requestId: string): string {
  return `${XML_DECL}<Response><Errors><Error><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

export function queryErrorBody(err: AwsError, requestId: string): string {
  const type = statusFor(err) >= 500 ? 'Receiver' : 'Sender';
  return `${XML_DECL}<ErrorResponse xmlns="${IAM_XMLNS}"><Error><Type>${type}</Type><Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

export function jsonErrorBody(err: AwsError): string {
  return JSON.stringify({ __type: err.code, message: err.message, Message: err.message });
}

// ---------- Query parameters (form-encoded, EC2 and awsQuery) ----------

export type QueryParams = Record<string, string>;

export function parseForm(body: string): QueryParams {
  const out: QueryParams = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

/** `InstanceId.1`, `InstanceId.2`... or `ActionNames.member.1`...: the values in index order. */
export function qlist(p: QueryParams, prefix: string): string[] {
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  return Object.keys(p)
    .map((k) => [k, re.exec(k)?.[1]] as const)
    .filter((x): x is readonly [string, string] => x[1] !== undefined)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map(([k]) => p[k]!);
}

export interface Filter {
  name: string;
  values: string[];
}

/** EC2 `Filter.N.Name` / `Filter.N.Value.M`. */
export function qfilters(p: QueryParams, prefix = 'Filter'): Filter[] {
  const ns = new Set<number>();
  const re = new RegExp(`^${prefix}\\.(\\d+)\\.Name$`);
  for (const k of Object.keys(p)) {
    const m = re.exec(k);
    if (m) ns.add(Number(m[1]));
  }
  return [...ns].sort((a, b) => a - b).map((n) => ({ name: p[`${prefix}.${n}.Name`]!, values: qlist(p, `${prefix}.${n}.Value`) }));
}

// ---------- EC2-style filter matching ----------

/** EC2 filter values accept `*` and `?` wildcards. */
export function glob(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's');
}

export function globMatch(pattern: string, value: string): boolean {
  return pattern === value || ((pattern.includes('*') || pattern.includes('?')) && glob(pattern).test(value));
}

/** What a resource answers to each filter name. `tag:<Key>` entries are derived from `tags`. */
export type FilterRecord = Record<string, Array<string | number | boolean | undefined>>;

export function tagRecord(tags: Record<string, string>): FilterRecord {
  const r: FilterRecord = { 'tag-key': Object.keys(tags), 'tag-value': Object.values(tags) };
  for (const [k, v] of Object.entries(tags)) r[`tag:${k}`] = [v];
  return r;
}

/**
 * All filters must match (AND); within one filter, any value (OR). Unknown filter names are an
 * InvalidParameterValue, as in AWS; `tag:<Key>` is always a known name.
 */
export function matchesFilters(filters: Filter[], record: FilterRecord, known: readonly string[], action: string): boolean {
  for (const f of filters) {
    if (!f.name.startsWith('tag:') && !known.includes(f.name)) {
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid (aws-server: not implemented for ${action})`);
    }
    const have = (record[f.name] ?? []).filter((v) => v !== undefined).map(String);
    if (!f.values.some((want) => have.some((h) => globMatch(want, h)))) return false;
  }
  return true;
}

// ---------- Pagination ----------

export interface Page<T> {
  items: T[];
  next?: string;
}

export function encodeToken(action: string, offset: number, extra?: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ a: action, o: offset, ...extra })).toString('base64');
}

export function decodeToken(action: string, token: string, invalid: () => AwsError): { o: number; [k: string]: unknown } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { a?: string; o?: number };
    if (t.a !== action || typeof t.o !== 'number' || t.o < 0) throw new Error('bad token');
    return t as { o: number };
  } catch {
    throw invalid();
  }
}

export function paginate<T>(all: T[], action: string, limit: number, token: string | undefined, invalid: () => AwsError): Page<T> {
  const start = token ? decodeToken(action, token, invalid).o : 0;
  const size = Math.max(1, limit);
  const slice = all.slice(start, start + size);
  const end = start + slice.length;
  return { items: slice, next: end < all.length ? encodeToken(action, end) : undefined };
}

// ---------- Misc ----------

export function requestId(): string {
  return randomUUID();
}

/** Deterministic hex of `len` characters derived from a seed (for ids AWS would invent). */
export function hexOf(seed: string, len: number): string {
  let out = '';
  for (let i = 0; out.length < len; i++) out += createHash('sha1').update(`${seed}#${i}`).digest('hex');
  return out.slice(0, len);
}

/** Deterministic upper-case alphanumerics (IAM unique ids: AROA..., AIPA...). */
export function idOf(prefix: string, seed: string, len = 17): string {
  return prefix + BigInt(`0x${hexOf(seed, 32)}`).toString(36).toUpperCase().padStart(len, '0').slice(0, len);
}

export function isoOrUndefined(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toISOString();
}

/** SSM (awsJson) timestamps are epoch seconds as JSON numbers. */
export function epochSeconds(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t / 1000;
}
