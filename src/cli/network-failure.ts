// "AWS could not be reached at all" is not a finding about the instances: when every request of a run failed at
// the network level (DNS, connection refused or reset, TLS, timeouts with no answer), the run could not happen
// (exit 3) and one line says which endpoint or region was not reached, with a suggestion when the region is one
// the installed SDK does not know (a typo such as us-east-99). main.ts turns the sentence into exit 3.
import type { ApiError, Facts, Fetched } from '../facts/facts.js';
import { quote } from './args.js';

const NO_ANSWER = new Set<ApiError['kind']>(['network', 'timeout']);

/** Every read the facts record (account-level ones and every per-resource map). */
function allReads(facts: Facts): Fetched<unknown>[] {
  const out: Fetched<unknown>[] = [facts.caller, facts.dhmc, facts.preferences];
  for (const value of Object.values(facts)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || 'ok' in value) continue;
    for (const f of Object.values(value as Record<string, unknown>)) {
      if (f !== null && typeof f === 'object' && typeof (f as { ok?: unknown }).ok === 'boolean') out.push(f as Fetched<unknown>);
    }
  }
  return out;
}

/** The first error when every read failed without an answer from AWS, else undefined. */
export function unanswered(facts: Facts): ApiError | undefined {
  const reads = allReads(facts);
  let first: ApiError | undefined;
  for (const r of reads) {
    if (r.ok || !NO_ANSWER.has(r.error.kind)) return undefined;
    first ??= r.error;
  }
  return first;
}

/** The host (and port) the error names: `ENOTFOUND ec2.us-east-99.amazonaws.com`, `ECONNREFUSED 127.0.0.1:9`. */
function hostOf(e: ApiError): string | undefined {
  return /\b(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)\s+(\[?[\w.:-]+\]?(?::\d+)?)/.exec(e.message)?.[1];
}

/** One line for a run in which nothing answered, naming what was not reached, or undefined. */
export async function unreachableProblem(e: ApiError, region: string, env: NodeJS.ProcessEnv): Promise<string> {
  const where = hostOf(e) ?? env.AWS_ENDPOINT_URL ?? `the ${e.api.split(':')[0]} endpoint`;
  const head = `could not reach AWS in region ${quote(region)}: every request failed without an answer (${where}: ${e.code})`;
  const { closestRegion, sdkKnowsRegion } = await import('./regions.js');
  if (sdkKnowsRegion(region)) {
    const via = env.AWS_ENDPOINT_URL ? `AWS_ENDPOINT_URL (${env.AWS_ENDPOINT_URL})` : 'the network, DNS or a proxy (HTTPS_PROXY)';
    return `${head}; check ${via} and try again`;
  }
  const guess = closestRegion(region);
  return `${head}; this AWS SDK does not know region ${quote(region)}${guess ? `: did you mean ${guess}?` : ' (check --region / AWS_REGION)'}`;
}

/** The error of a selection (--tag/--filter) that failed without an answer, as the same line; else undefined. */
export function noAnswer(e: ApiError): boolean {
  return NO_ANSWER.has(e.kind);
}
