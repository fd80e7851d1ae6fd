// Turns whatever an AWS SDK call threw into the ApiError recorded in the facts.
import type { ApiError } from '../facts/facts.js';

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const THROTTLED = new Set(['Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequests', 'TooManyRequestsException']);
const TIMEOUT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ETIMEDOUT', 'AbortError']);
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
const CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'AuthFailure',
  'SignatureDoesNotMatch',
  'InvalidAccessKeyId',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  // Thrown by the SDK's credential chain before any request: no credentials, unknown profile, SSO token
  // missing or expired (the SSO token provider throws TokenProviderError, its refresh InvalidGrantException).
  'CredentialsProviderError',
  'TokenProviderError',
  'InvalidGrantException',
]);

export function classify(codes: string[]): ApiError['kind'] {
  const has = (set: Set<string>) => codes.some((c) => set.has(c));
  if (has(DENIED)) return 'denied';
  if (has(THROTTLED)) return 'throttled';
  if (has(CREDENTIALS)) return 'credentials';
  if (has(TIMEOUT)) return 'timeout';
  if (has(NETWORK)) return 'network';
  return 'other';
}

/** First line, short, with anything that looks like an access key id masked. */
export function shortMessage(message: unknown): string {
  const text = typeof message === 'string' ? message : message === undefined || message === null ? '' : String(message);
  const line = (text.split(/\r?\n/)[0] ?? '').trim();
  const masked = line.replace(/\b(AKIA|ASIA)[A-Z0-9]{12,}\b/g, '$1…');
  return masked.length > 240 ? `${masked.slice(0, 237)}...` : masked;
}

/** The ApiError for a failed call of `api` (IAM action form, `ec2:DescribeVpcEndpoints`). */
export function toApiError(api: string, err: unknown): ApiError {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; Code?: unknown; message?: unknown };
  const name = typeof e.name === 'string' ? e.name : undefined;
  const code = typeof e.code === 'string' ? e.code : typeof e.Code === 'string' ? e.Code : undefined;
  const generic = !name || name === 'Error' || name === 'TypeError' || name === 'SystemError';
  const primary = (generic ? (code ?? name) : name) ?? 'UnknownError';
  const codes = [name, code].filter((c): c is string => typeof c === 'string');
  return { api, code: primary, message: shortMessage(e.message ?? err), kind: classify(codes) };
}
