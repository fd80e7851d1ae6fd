// Local IAM policy evaluation: the fallback when iam:SimulatePrincipalPolicy cannot be called, and the
// evaluator for trust policies and VPC endpoint policies (which the simulator never sees).
//
// Semantics (a subset of the AWS policy evaluation logic, chosen so that uncertainty is never reported as
// a clean "allowed"):
// - An explicit Deny that applies wins; otherwise an Allow that applies => allowed; otherwise implicitDeny.
// - Action/NotAction and Resource/NotResource with `*` (any run, also empty) and `?` (one character)
//   wildcards; actions compare case-insensitively, resources case-sensitively.
// - A statement with neither Resource nor NotResource matches every resource (trust and endpoint policies).
//   A statement with neither Action nor NotAction matches nothing (IAM rejects such a policy).
// - Principal/NotPrincipal are only looked at when the request names a principal: `"*"`, `{"AWS": "*"}`,
//   `{"AWS": <ARN | 12-digit account id | arn:...:root>}` (an account matches every principal in it) and
//   `{"Service": "<service>.amazonaws.com"}`.
// - Conditions are never evaluated. A statement with a Condition, or whose Resource only matched through a
//   policy variable (`${aws:username}`: treated as `*`), "may apply":
//     * a conditional Allow decides `allowed` with `conditional: true` (an unconditional Allow is preferred);
//     * a conditional Deny, when some Allow applies, decides `explicitDeny` with `conditional: true`
//       ("denied when its condition holds, allowed otherwise"); when no Allow applies the request is denied
//       either way and the result is a plain `implicitDeny`.
//   So `conditional: true` always means "the outcome depends on a condition we could not evaluate": callers
//   must not turn it into a pass.
import type { Decision, PolicyDocument, PolicyStatement } from '../facts/facts.js';

export interface EvalRequest {
  action: string;
  resource: string;
  principal?: { type: 'AWS' | 'Service'; id: string };
}

export interface EvalResult {
  decision: Decision;
  /** The deciding statement (absent for an implicit deny). */
  statement?: { policyName: string; sid?: string; index: number; effect: 'Allow' | 'Deny' };
  /** The outcome depends on a Condition (or policy variable) that was not evaluated; see the header. */
  conditional?: boolean;
}

type Match = 'yes' | 'maybe' | 'no';

interface Found {
  policyName: string;
  sid?: string;
  index: number;
  effect: 'Allow' | 'Deny';
}

export function evaluatePolicies(policies: { name: string; document: PolicyDocument }[], req: EvalRequest): EvalResult {
  let softDeny: Found | undefined;
  let hardAllow: Found | undefined;
  let softAllow: Found | undefined;
  for (const policy of policies) {
    const statements = statementsOf(policy.document);
    for (let index = 0; index < statements.length; index++) {
      const st = statements[index]!;
      // IAM only accepts `Allow` and `Deny`; a statement with any other Effect is never taken as an Allow.
      if (st.Effect !== 'Allow' && st.Effect !== 'Deny') continue;
      const effect = st.Effect;
      if (effect === 'Allow' && hardAllow) continue;
      const m = statementApplies(st, req);
      if (m === 'no') continue;
      const found: Found = { policyName: policy.name, index, effect };
      if (st.Sid !== undefined) found.sid = st.Sid;
      if (effect === 'Deny') {
        if (m === 'yes') return { decision: 'explicitDeny', statement: found };
        softDeny ??= found;
      } else if (m === 'yes') hardAllow = found;
      else softAllow ??= found;
    }
  }
  const allow = hardAllow ?? softAllow;
  if (softDeny && allow) return { decision: 'explicitDeny', statement: softDeny, conditional: true };
  if (hardAllow) return { decision: 'allowed', statement: hardAllow };
  if (softAllow && !softDeny) return { decision: 'allowed', statement: softAllow, conditional: true };
  return { decision: 'implicitDeny' };
}

/**
 * The statements of a document, whether `Statement` is one object or a list (absent: none). Entries that are
 * not objects (`null`, strings: IAM rejects such documents, a hand-edited snapshot may hold them) are dropped.
 */
export function statementsOf(doc: PolicyDocument | undefined): PolicyStatement[] {
  const s = (doc !== null && typeof doc === 'object' ? doc.Statement : undefined) as PolicyStatement | PolicyStatement[] | undefined;
  if (!s) return [];
  return (Array.isArray(s) ? s : [s]).filter((x): x is PolicyStatement => x !== null && typeof x === 'object' && !Array.isArray(x));
}

/** A string-or-list element as a list; values that are not strings (garbage IAM would reject) are dropped. */
function list(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
}

/** Whether one statement applies to the request, ignoring its Effect. */
export function statementApplies(st: PolicyStatement, req: EvalRequest): Match {
  // Action / NotAction (case-insensitive).
  const actions = list(st.Action);
  const notActions = list(st.NotAction);
  if (actions) {
    if (!actions.some((p) => wildcardMatch(p, req.action, true))) return 'no';
  } else if (notActions) {
    if (notActions.some((p) => wildcardMatch(p, req.action, true))) return 'no';
  } else return 'no';

  // Resource / NotResource (case-sensitive, policy variables make a match uncertain).
  let m: Match = 'yes';
  const resources = list(st.Resource);
  const notResources = list(st.NotResource);
  if (resources) {
    m = best(resources.map((p) => resourceMatch(p, req.resource)));
    if (m === 'no') return 'no';
  } else if (notResources) {
    const n = best(notResources.map((p) => resourceMatch(p, req.resource)));
    if (n === 'yes') return 'no';
    m = n === 'maybe' ? 'maybe' : 'yes';
  }

  // Principal / NotPrincipal, only when the request names one.
  if (req.principal) {
    if (st.Principal !== undefined && !principalMatches(st.Principal, req.principal)) return 'no';
    if (st.NotPrincipal !== undefined && principalMatches(st.NotPrincipal, req.principal)) return 'no';
  }

  if (st.Condition && Object.keys(st.Condition).length > 0) return 'maybe';
  return m;
}

function best(ms: Match[]): Match {
  if (ms.includes('yes')) return 'yes';
  if (ms.includes('maybe')) return 'maybe';
  return 'no';
}

function principalMatches(p: '*' | Record<string, string | string[]>, who: { type: 'AWS' | 'Service'; id: string }): boolean {
  if (p === '*') return true;
  if (typeof p !== 'object' || p === null) return false;
  const aws = list(p.AWS) ?? [];
  if (aws.includes('*')) return true;
  if (who.type === 'Service') {
    return (list(p.Service) ?? []).some((s) => s.toLowerCase() === who.id.toLowerCase());
  }
  return aws.some((a) => awsPrincipalMatches(a, who.id));
}

const ACCOUNT_ID = /^\d{12}$/;

function accountOf(arnOrAccount: string): string | undefined {
  if (ACCOUNT_ID.test(arnOrAccount)) return arnOrAccount;
  const parts = arnOrAccount.split(':');
  return parts.length >= 6 && parts[0] === 'arn' ? parts[4] : undefined;
}

function awsPrincipalMatches(pattern: string, id: string): boolean {
  if (pattern === id) return true;
  const root = /^arn:[\w-]+:iam::(\d{12}):root$/.exec(pattern);
  const account = ACCOUNT_ID.test(pattern) ? pattern : root?.[1];
  return account !== undefined && accountOf(id) === account;
}

// ---- wildcard matching ----------------------------------------------------------------------------

type Token = { kind: 'lit'; ch: string } | { kind: 'star'; variable: boolean } | { kind: 'one' };

/**
 * Tokenizes an IAM pattern. With `variables`, `${*}` `${?}` `${$}` are the literal characters and any other
 * `${...}` policy variable becomes a star that marks the match as uncertain.
 */
function tokenize(pattern: string, variables: boolean): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (variables && c === '$' && pattern[i + 1] === '{') {
      const end = pattern.indexOf('}', i + 2);
      if (end > 0) {
        const name = pattern.slice(i + 2, end);
        if (name === '*' || name === '?' || name === '$') out.push({ kind: 'lit', ch: name });
        else out.push({ kind: 'star', variable: true });
        i = end;
        continue;
      }
    }
    if (c === '*') out.push({ kind: 'star', variable: false });
    else if (c === '?') out.push({ kind: 'one' });
    else out.push({ kind: 'lit', ch: c });
  }
  return out;
}

/**
 * Greedy wildcard matching with backtracking to the last star (linear space, O(n*m) worst case).
 * Returns whether it matched and whether the pattern held a policy variable (then the match is uncertain).
 */
function matchTokens(tokens: Token[], value: string, fold: boolean): { matched: boolean; viaVariable: boolean } {
  const eq = fold ? (a: string, b: string) => a.toLowerCase() === b.toLowerCase() : (a: string, b: string) => a === b;
  let t = 0;
  let v = 0;
  let starT = -1;
  let starV = 0;
  while (v < value.length) {
    const tok = tokens[t];
    if (tok && tok.kind === 'star') {
      starT = t++;
      starV = v;
    } else if (tok && (tok.kind === 'one' || eq(tok.ch, value[v]!))) {
      t++;
      v++;
    } else if (starT >= 0) {
      t = starT + 1;
      v = ++starV;
    } else return { matched: false, viaVariable: false };
  }
  while (t < tokens.length && tokens[t]!.kind === 'star') t++;
  const matched = t === tokens.length;
  return { matched, viaVariable: matched && tokens.some((k) => k.kind === 'star' && k.variable) };
}

/** IAM wildcard match: `*` any run of characters (also empty), `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive: boolean): boolean {
  return matchTokens(tokenize(pattern, false), value, caseInsensitive).matched;
}

/** Resource match, case-sensitive; a match that needed a policy variable is only `maybe`. */
export function resourceMatch(pattern: string, value: string): Match {
  const r = matchTokens(tokenize(pattern, true), value, false);
  if (!r.matched) return 'no';
  return r.viaVariable ? 'maybe' : 'yes';
}
