// The report's causes: every target's causes grouped by cause id, so 500 instances behind one missing endpoint
// are one cause with one fix; and the plan that fixes them all, in order.
import type { Fix } from '../check/kit.js';
import { consolidateTerraform } from '../fix/terraform.js';
import { retrySentence } from '../fix/late-fix.js';
import { mergeFixes, uniqueInOrder } from '../fix/merge.js';
import type { Cause, CauseStatus, Diagnosis } from './diagnose.js';

/** A cause shared by one or more targets. */
export interface ReportCause extends Cause {
  /** The targets that have this cause, in report order. */
  targets: string[];
}

export interface PlanStep {
  summary: string;
  /** The cause this step fixes (its fix is the cause's); absent for the step after the fixes. */
  cause?: string;
  /** The targets it concerns. */
  targets: string[];
  /** For the step after the fixes: the restart / reboot and the re-check, for every target concerned. */
  fix?: Fix;
}

/** The whole report's plan: the causes' fixes in order, what to do after them, and how to check. */
export interface Plan {
  steps: PlanStep[];
  /** Every AWS CLI command of the causes' fixes, each once, in order (not the conditional step after them). */
  cli: string[];
  /** Every Terraform snippet of the plan consolidated into one file (each resource once). */
  terraform?: string;
}

const RANK: Record<CauseStatus, number> = { fail: 0, warn: 1, error: 2 };

interface Diagnosed {
  target: string;
  diagnosis: Diagnosis;
}

export function groupCauses(targets: Diagnosed[]): ReportCause[] {
  const byId = new Map<string, { members: Cause[]; targets: string[]; first: number }>();
  let n = 0;
  for (const t of targets) {
    for (const c of t.diagnosis.causes) {
      const g = byId.get(c.id);
      if (g) {
        g.members.push(c);
        if (!g.targets.includes(t.target)) g.targets.push(t.target);
      } else byId.set(c.id, { members: [c], targets: [t.target], first: n++ });
    }
  }
  return [...byId.entries()]
    .sort(
      ([ida, a], [idb, b]) =>
        RANK[a.members[0]!.status] - RANK[b.members[0]!.status] ||
        // The operator's machine last: the instances come first.
        Number(ida.startsWith('client.')) - Number(idb.startsWith('client.')) ||
        b.targets.length - a.targets.length ||
        a.first - b.first,
    )
    .map(([id, g]) => {
      const first = g.members[0]!;
      const fixes = g.members.flatMap((m) => (m.fix ? [m.fix] : []));
      const fix = mergeFixes(fixes, groupSummary(fixes.map((f) => f.summary)));
      return {
        id,
        summary: first.summary,
        status: first.status,
        checks: uniqueInOrder(g.members.flatMap((m) => m.checks)),
        ...(fix ? { fix } : {}),
        targets: g.targets,
      };
    });
}

/**
 * What a cause's fix says when its instances need different changes of the same kind (each instance's own
 * security group as the source, say): both when two, else the first and how many more like it (the commands make them
 * all; the plan repeats this summary, so it names no place in the report).
 */
export function groupSummary(summaries: string[]): string | undefined {
  const distinct = uniqueInOrder(summaries);
  if (distinct.length <= 2) return distinct.length ? distinct.join(' ') : undefined;
  return `${distinct[0]} The commands make ${distinct.length - 1} more changes like it.`;
}

/** Re-checks these targets until they are ready (none for a long list: run the same selection again with --wait). */
export function recheckCommand(targets: string[], region: string): string | undefined {
  return targets.length <= 10 ? `npx ssm-doctor ${targets.join(' ')} --region ${region} --wait 15m` : undefined;
}

export function buildPlan(causes: ReportCause[], targets: Diagnosed[], region: string): Plan {
  const steps: PlanStep[] = causes.map((c) => ({
    summary: c.fix?.summary ?? c.summary,
    cause: c.id,
    targets: c.targets,
  }));
  const after = targets.filter((t) => t.diagnosis.then);
  const thens: Fix[] = after.map((t) => t.diagnosis.then!);
  if (after.length) steps.push(afterStep(after.map((t) => t.target), thens, region));
  // The causes' commands only: the step after them is conditional ("if still offline 10 minutes later"), never run blindly.
  const cli = uniqueInOrder(causes.flatMap((c) => c.fix?.cli ?? []));
  const terraform = consolidateTerraform(causes.map((c) => c.fix?.terraform)).terraform;
  return { steps, cli, ...(terraform ? { terraform } : {}) };
}

/**
 * Once the causes are fixed, for several instances: wait for them, then reboot only those whose configuration
 * is right and whose agent is still offline (`--wait --reboot` does exactly that, after asking).
 */
function afterStep(ids: string[], thens: Fix[], region: string): PlanStep {
  // (one instance: its own restart / reboot commands)
  if (ids.length === 1) return { summary: thens[0]!.summary, targets: ids, fix: thens[0] };
  const again = recheckCommand(ids, region);
  return {
    summary:
      `Restart the SSM Agent on, or reboot, those of the ${ids.length} instances still not Online 10 minutes after the fixes: ` +
      `${retrySentence([])}, and notices the fixes only then.`,
    targets: ids,
    fix: {
      summary:
        'Wait for them, then reboot only those whose configuration is right and whose agent is still offline: ' +
        (again ? 'ssm-doctor --wait --reboot does both (it asks before rebooting).' : 'run this ssm-doctor command again with --wait 15m --reboot (it asks before rebooting).'),
      cli: again ? [`${again} --reboot`] : [],
    },
  };
}
