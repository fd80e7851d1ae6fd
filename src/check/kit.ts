// What a check is, what it returns, and the small kit every check uses to read facts safely.
import type { ApiError, Facts, Fetched } from '../facts/facts.js';

export type Status = 'pass' | 'fail' | 'warn' | 'skip' | 'error';

export type CheckGroup = 'instance' | 'agent' | 'iam' | 'network' | 'session' | 'client';

/** The change that fixes a failure: data, rendered by the reporters. */
export interface Fix {
  /** One line: what to change. */
  summary: string;
  /**
   * Shell commands (AWS CLI) to run where the AWS CLI is configured, real ids filled in, in order. Each one runs
   * as pasted in bash or zsh: no comments, no placeholders; an id an earlier command prints is captured in a
   * variable (`SG_ID=$(aws ... --query GroupId --output text)`) and used as `"$SG_ID"`.
   */
  cli: string[];
  /** Commands to run on the instance itself (through EC2 Instance Connect, the serial console or SSH). */
  onInstance?: string[];
  /** Terraform (valid HCL on its own) that makes the change, or would have prevented it. */
  terraform?: string;
}

/** What a check's `run` returns. */
export interface Verdict {
  status: Status;
  /** One or a few sentences: what was found, with ids and values. */
  detail: string;
  /**
   * One sentence: what is wrong, naming the resource (the diagnosis' cause summary). Default: the first sentence
   * of `detail`. When `subject` is shared by several instances, it should not name the instance.
   */
  summary?: string;
  fix?: Fix;
  /** Optional machine-readable evidence (kept small), copied to the JSON output as `data`. */
  data?: Record<string, unknown>;
  /**
   * The resource a failure is about (`vpc-0abc…`, `sg-0123…`, a role name), when it is not the instance itself.
   * The diagnosis keys a cause by check id and subject, so a fleet's instances that share it share one cause.
   */
  subject?: string;
  /**
   * What this finding can explain, when it is narrower than `meta.explains` (e.g. a missing ssmmessages endpoint
   * cannot explain an agent that stopped heartbeating to ssm).
   */
  explains?: string[];
}

export interface CheckMeta {
  /** Stable id, part of the JSON contract, e.g. `vpc-endpoint.ssmmessages`. */
  id: string;
  title: string;
  group: CheckGroup;
  /** Why it matters: the AWS requirement it guards (README table, --help). */
  description: string;
  /** What its fix changes, in a few words (README table). */
  fixes?: string;
  /**
   * Checks whose failure a failure of this one can explain (ids; `*` = every other check). The diagnosis folds
   * those under this check as consequences instead of reporting them as causes of their own.
   */
  explains?: string[];
  /**
   * The fix of a failure of this check restarts the SSM Agent (a start, a reboot, a restart on the instance): no
   * "restart it if it backed off" step is needed after it.
   */
  fixRestartsAgent?: boolean;
}

/** The facts as seen from one target instance. */
export interface TargetContext {
  facts: Facts;
  /** The instance id under examination. */
  id: string;
  region: string;
}

export interface Check {
  meta: CheckMeta;
  /** Pure and synchronous. May throw `NeedFact`/`SkipCheck` via the kit below; anything else becomes `error`. */
  run(ctx: TargetContext): Verdict;
  /**
   * The resource this check's findings are about when the verdict names none (the agent's role, the VPC, the
   * machine ssm-doctor runs on): instances sharing it share one cause. Default: the instance itself.
   */
  subject?(ctx: TargetContext): string | undefined;
}

/** One finding in the report. */
export interface CheckResult extends Verdict {
  id: string;
  title: string;
  group: CheckGroup;
  /** Set by the diagnosis on a problem that is a consequence: the ids of the target's causes that explain it (only listed causes). */
  explainedBy?: string[];
}

/** Thrown by `need()`: the facts this check depends on could not be read. */
export class NeedFact extends Error {
  constructor(
    readonly apiError: ApiError,
    readonly what: string,
  ) {
    super(`could not read ${what}: ${apiError.api} failed (${apiError.code})`);
  }
}

/** Thrown by `skip()`: the check does not apply. */
export class SkipCheck extends Error {}

/**
 * Unwraps a fetched fact or aborts the check with status `error`.
 * `what` is a few words for the detail line ("the VPC endpoints of vpc-1").
 */
export function need<T>(fetched: Fetched<T> | undefined, what: string): T {
  if (fetched === undefined) {
    throw new NeedFact(
      { api: 'ssm-doctor', code: 'NotCollected', message: `${what} was not collected`, kind: 'other' },
      what,
    );
  }
  if (!fetched.ok) throw new NeedFact(fetched.error, what);
  return fetched.value;
}

/** Aborts the check with status `skip` and this reason. */
export function skip(reason: string): never {
  throw new SkipCheck(reason);
}

/** Human sentence for an ApiError, naming the permission to grant when it was a denial. */
export function describeApiError(e: ApiError, what: string): string {
  const base = `Could not read ${what}: ${e.api} failed with ${e.code}${e.message ? ` (${e.message})` : ''}.`;
  switch (e.kind) {
    case 'denied':
      return `${base} Grant ${e.api} to the identity running ssm-doctor.`;
    case 'throttled':
      return `${base} AWS throttled the request even after retries; run again later.`;
    case 'timeout':
      return `${base} The request timed out; check connectivity to the AWS endpoint or raise --timeout.`;
    case 'network':
      return `${base} The AWS endpoint could not be reached.`;
    case 'credentials':
      return `${base} The credentials were rejected.`;
    default:
      return base;
  }
}
