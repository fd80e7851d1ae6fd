// Live vs snapshot parity, over every example and a few targeted worlds: the facts are served by the local AWS
// wire-format server and the BUILT CLI collects them over HTTP (`--json`); the same facts are then read with
// `--snapshot`. Every check must reach the same status both ways (client.plugin only runs live: pass with the
// fake plugin, skip from a snapshot), and together the cases must drive every registered check to a
// non-pass status at least once, so each one is proven end to end.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allChecks } from '../../checks/index.js';
import { ok, type Facts } from '../../src/facts/facts.js';
import type { Report } from '../../src/report/model.js';
import { clientQuestions } from '../../src/facts/requirements.js';
import { ACCOUNT, CALLER_ROLE_ARN, IID, PROFILE_ARN, REGION, ROLE_ARN, VPC, val, world } from '../fixtures/world.js';
import { brokenFleet } from '../fixtures/broken-fleet.js';
import { startAwsServer } from './aws-server.js';
import { collectedEvidenceForAll, hybridNode, offline, registeredAsHybrid } from '../fixtures/evidence.js';
import { withLateFixLookups } from '../fixtures/session-targets.js';
import { awsEnv, ROOT, runCli, type CliRun } from './run-cli.js';

const EXAMPLES_DIR = join(ROOT, 'examples');
const LIVE_ONLY = 'client.plugin';
const CONCURRENCY = 4;

interface Case {
  name: string;
  facts: Facts;
  /** Extra environment for the live run (e.g. a PATH without the plugin). */
  env?: Record<string, string | undefined>;
  /** Check id -> status the case exists to produce (live). */
  expect?: Record<string, string>;
}

/**
 * Targeted worlds for the checks no example drives to fail/warn/error. Independent faults share a world (each
 * spawn of the CLI costs about a second of CPU); `expect` names what each fault must produce.
 */
const TARGETED: Case[] = [
  {
    name: 'instance stopped',
    facts: world((f) => {
      val(f.instances[IID])!.state = 'stopped';
      f.agents[IID] = ok({ ...val(f.agents[IID])!, pingStatus: 'ConnectionLost' });
      f.connections[IID] = ok('notconnected');
    }),
    expect: { 'instance.state': 'fail' },
  },
  {
    name: 'old agent, no ec2messages endpoint, wrong trust principal, custom DNS, endpoint policy deny, caller denied',
    facts: world((f) => {
      Object.assign(val(f.agents[IID])!, { agentVersion: '2.3.50.0', isLatestVersion: false });
      f.endpoints[VPC] = ok(val(f.endpoints[VPC]).filter((e) => !e.serviceName.endsWith('.ec2messages')));
      val(f.instanceProfiles[PROFILE_ARN])!.roles[0]!.trustPolicy = {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      };
      f.dhcpOptions['dopt-0abc'] = ok({ id: 'dopt-0abc', domainNameServers: ['192.168.1.10', '192.168.1.11'] });
      val(f.endpoints[VPC]).find((e) => e.serviceName.endsWith('.ssmmessages'))!.policyDocument = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' },
          { Sid: 'NoChannels', Effect: 'Deny', Principal: '*', Action: 'ssmmessages:*', Resource: '*' },
        ],
      });
      f.simulations[CALLER_ROLE_ARN] = ok(
        clientQuestions(REGION, ACCOUNT, IID, null).flatMap((q) => q.actions.map((action) => ({ action, resource: q.resource, decision: 'implicitDeny' as const }))),
      );
    }),
    expect: {
      'agent.version': 'fail',
      'vpc-endpoint.ec2messages': 'fail',
      'iam.role-trust': 'fail',
      'vpc.dns': 'warn',
      'vpc-endpoint.policy': 'fail',
      'client.permissions': 'fail',
    },
  },
  {
    name: 'the instance profile the instance names was deleted (NoSuchEntity), a failed ssm endpoint with AWS\'s LastError',
    facts: world((f) => {
      f.instanceProfiles[PROFILE_ARN] = ok(null);
      delete f.simulations[ROLE_ARN];
      const ssm = val(f.endpoints[VPC]).find((e) => e.serviceName.endsWith('.ssm'))!;
      ssm.state = 'failed';
      ssm.lastError = { code: 'InsufficientCapacity', message: 'Not enough capacity in us-east-1a.' };
      f.agents[IID] = ok(null);
      f.connections[IID] = ok('notconnected');
      collectedEvidenceForAll(f);
    }),
    expect: { 'iam.instance-profile': 'fail', 'vpc-endpoint.ssm': 'fail' },
  },
  {
    name: 'agent role denied ssmmessages, ssm endpoint pending, private DNS off, no HTTPS egress, no plugin on PATH',
    facts: world((f) => {
      for (const d of val(f.simulations[ROLE_ARN])) if (d.action.startsWith('ssmmessages:')) d.decision = 'implicitDeny';
      // Not connected: a connected agent would itself contradict the denial (iam.permissions would only warn).
      f.connections[IID] = ok('notconnected');
      val(f.endpoints[VPC]).find((e) => e.serviceName.endsWith('.ssm'))!.state = 'pending';
      for (const e of val(f.endpoints[VPC])) e.privateDnsEnabled = false;
      val(f.securityGroups[val(f.instances[IID])!.securityGroupIds[0]!]).egress = [];
    }),
    env: { PATH: '/nonexistent' },
    expect: {
      'iam.permissions': 'fail',
      'vpc-endpoint.ssm': 'warn',
      'vpc-endpoint.private-dns': 'fail',
      'security-group.instance-egress': 'fail',
      'client.plugin': 'fail',
    },
  },
  {
    name: 'an EC2 instance registered as a hybrid node (its agent answers as mi-...)',
    facts: world((f) => {
      offline(f);
      registeredAsHybrid(f);
    }),
    expect: { 'agent.identity': 'fail', 'agent.installed': 'pass', 'instance.health': 'pass' },
  },
  {
    name: 'a hybrid node in the standard tier (Online: sessions are refused all the same)',
    facts: world((f) => hybridNode(f, { pingStatus: 'Online', tier: 'standard' })),
    expect: { 'hybrid.tier': 'fail', 'hybrid.activation': 'skip', 'agent.ping': 'pass' },
  },
  {
    name: 'Run As on without a default user',
    facts: world((f) => {
      f.preferences = ok({ runAsEnabled: true });
    }),
    expect: { 'session.preferences': 'warn' },
  },
];

/** A fleet: 30 instances, 3 VPCs, 9 kinds of problem (the diagnosis groups them by cause). */
const FLEET: Case = { name: 'fleet of 30 with 9 kinds of problem', facts: asCollected(brokenFleet()) };

/**
 * A fleet's facts as a live run collects them: no local facts in a snapshot, no connection status above 20 targets,
 * CloudTrail's late-fix lookups for the offline agents whose configuration passes.
 */
function asCollected(f: Facts): Facts {
  delete f.local;
  f.connections = {};
  return withLateFixLookups(f);
}

function exampleCases(): Case[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((n) => n.endsWith('.json'))
    .sort()
    .map((n) => ({ name: `examples/${n}`, facts: JSON.parse(readFileSync(join(EXAMPLES_DIR, n), 'utf8')) as Facts }));
}

interface Outcome {
  c: Case;
  live: CliRun;
  snap: CliRun;
  liveReport?: Report;
  snapReport?: Report;
  /** What the live run collected over HTTP (`--save-snapshot`). */
  savedFacts?: Facts;
}

const tmp = mkdtempSync(join(tmpdir(), 'ssm-doctor-parity-'));
const cases = [...exampleCases(), ...TARGETED, FLEET];
const outcomes = new Map<string, Outcome>();
const servers: { close(): Promise<void> }[] = [];

async function runCase(c: Case, i: number): Promise<Outcome> {
  const file = join(tmp, `case-${i}.json`);
  writeFileSync(file, JSON.stringify(c.facts));
  const server = await startAwsServer({ facts: c.facts });
  servers.push(server);
  try {
    // runCli spawns process.execPath, so a PATH without the plugin (or without node) is fine.
    const saved = join(tmp, `saved-${i}.json`);
    const live = await runCli([...c.facts.targets, '--json', '--region', c.facts.region, '--save-snapshot', saved], awsEnv(server.url, c.env));
    const snap = await runCli(['--snapshot', file, '--json'], awsEnv(undefined));
    const parse = (r: CliRun) => {
      try {
        return JSON.parse(r.stdout) as Report;
      } catch {
        return undefined;
      }
    };
    let savedFacts: Facts | undefined;
    try {
      savedFacts = JSON.parse(readFileSync(saved, 'utf8')) as Facts;
    } catch {
      savedFacts = undefined;
    }
    return { c, live, snap, liveReport: parse(live), snapReport: parse(snap), savedFacts };
  } finally {
    await server.close();
  }
}

/** Runs `fn` over `items`, at most `n` at a time. */
async function pool<T, R>(items: T[], n: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** The diagnosis without the operator-machine causes (client.*: live has the fake plugin, a snapshot has none). */
const notClient = (id: string) => !id.startsWith('client.');
function diagnosisOf(r: Report | undefined) {
  return {
    causes: (r?.causes ?? []).filter((c) => notClient(c.id)),
    targets: (r?.targets ?? []).map((t) => ({
      target: t.target,
      causes: t.diagnosis.causes.filter((c) => notClient(c.id)),
      then: t.diagnosis.then,
      explainedBy: t.checks.filter((c) => c.explainedBy).map((c) => [c.id, c.explainedBy!.filter(notClient)]),
    })),
  };
}

const statusesOf = (r: Report | undefined) =>
  Object.fromEntries((r?.targets ?? []).flatMap((t) => t.checks.map((c) => [`${t.target} ${c.id}`, c.status])));

beforeAll(async () => {
  for (const o of await pool(cases, CONCURRENCY, runCase)) outcomes.set(o.c.name, o);
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('live (over HTTP) and --snapshot agree', () => {
  it.each(cases.map((c) => [c.name]))('%s', (name) => {
    const o = outcomes.get(name)!;
    expect(o.live.stderr, 'live stderr').toBe('');
    expect(o.liveReport, `live stdout is one JSON document:\n${o.live.stdout}`).toBeDefined();
    expect(o.snapReport, `snapshot stdout is one JSON document:\n${o.snap.stdout}\n${o.snap.stderr}`).toBeDefined();
    expect(o.liveReport!.source).toBe('aws');
    expect(o.snapReport!.source).toBe('snapshot');

    const live = statusesOf(o.liveReport);
    const snap = statusesOf(o.snapReport);
    for (const id of o.c.facts.targets) {
      const plugin = `${id} ${LIVE_ONLY}`;
      // The fake plugin on PATH makes it pass live (unless the case removes it); a snapshot never has the local facts.
      if (!o.c.env?.PATH) expect(live[plugin], plugin).toBe('pass');
      expect(snap[plugin], plugin).toBe('skip');
      delete live[plugin];
      delete snap[plugin];
    }
    expect(live).toEqual(snap);
    // What was collected over HTTP is what was served: every fact read equals its source (the collector may
    // leave out facts it had no reason to read, e.g. the security group of an endpoint in another setup).
    expect(o.savedFacts, 'live --save-snapshot wrote the facts').toBeDefined();
    for (const [key, value] of Object.entries(o.savedFacts!)) {
      if (key === 'collectedAt') continue;
      const served = (o.c.facts as unknown as Record<string, unknown>)[key];
      if (value && typeof value === 'object' && !Array.isArray(value) && key !== 'caller' && key !== 'dhmc' && key !== 'preferences') {
        for (const [k, v] of Object.entries(value)) expect(v, `${key}.${k}`).toEqual((served as Record<string, unknown> | undefined)?.[k]);
      } else {
        expect(value, key).toEqual(served);
      }
    }
    // The same diagnosis: causes (ids, summaries, fixes, instances), consequences, what to do after.
    expect(diagnosisOf(o.liveReport)).toEqual(diagnosisOf(o.snapReport));
    // The path pictures come from the same facts, so they are identical too.
    expect(o.liveReport!.targets.map((t) => t.paths)).toEqual(o.snapReport!.targets.map((t) => t.paths));
    // Same verdict, same exit code (client.plugin's live pass never changes it, a missing plugin does).
    if (!o.c.env?.PATH) expect(o.live.code).toBe(o.snap.code);
    for (const [id, status] of Object.entries(o.c.expect ?? {})) {
      expect(o.liveReport!.targets[0]!.checks.find((c) => c.id === id)?.status, `${name}: ${id}`).toBe(status);
    }
  });
});

describe('the diagnosis end to end', () => {
  it('one instance: the cause with its fix, the consequences pointing at it', () => {
    const r = outcomes.get('examples/missing-ssmmessages-endpoint.json')!.liveReport!;
    const id = 'vpc-endpoint.ssmmessages:vpc-0a1b2c3d4e5f60718';
    expect(r.causes.map((c) => c.id)).toEqual([id]);
    expect(r.causes[0]!.fix!.cli[0]).toMatch(/^aws ec2 create-vpc-endpoint /);
    const t = r.targets[0]!;
    expect(t.diagnosis.causes.map((c) => c.id)).toEqual([id]);
    // The agent still pings Systems Manager (ssm is reachable): only the session side is down.
    expect(t.checks.filter((c) => c.explainedBy).map((c) => c.id).sort()).toEqual(['network.route', 'session.connection']);
    expect(t.diagnosis.then).toBeUndefined();
    // An agent the cause took offline: once the security group is fixed it may have backed off, so a later step.
    const sg = outcomes.get('examples/endpoint-sg-without-ingress.json')!.liveReport!.targets[0]!;
    expect(sg.checks.find((c) => c.id === 'agent.ping')!.explainedBy).toEqual(['security-group.endpoint-ingress:sg-0e0e0e0e0e0e0e0e1']);
    expect(sg.diagnosis.then?.cli).toContain(`aws ec2 reboot-instances --instance-ids ${IID} --region us-east-1`);
  });

  it('a fleet: every instance sharing a resource shares the cause, one entry with its instances', () => {
    const r = outcomes.get(FLEET.name)!.liveReport!;
    expect(r.targets).toHaveLength(30);
    const vpcCause = r.causes.find((c) => c.id.startsWith('vpc-endpoint.ssmmessages:'))!;
    expect(vpcCause.targets).toHaveLength(10);
    expect(vpcCause.fix!.cli.filter((c) => c.includes('create-vpc-endpoint'))).toHaveLength(1);
    expect(r.causes.map((c) => c.id.split(':')[0])).toEqual([
      'vpc-endpoint.ssmmessages',
      'security-group.endpoint-ingress',
      'iam.permissions',
      'network.acl',
      'iam.instance-profile',
      'instance.metadata',
      'instance.state',
      'agent.restart',
    ]);
  });
});

describe('coverage', () => {
  it('every registered check reaches fail, warn or error in at least one live case', () => {
    const seen = new Map<string, Set<string>>();
    for (const o of outcomes.values()) {
      for (const t of o.liveReport?.targets ?? []) {
        for (const c of t.checks) seen.set(c.id, (seen.get(c.id) ?? new Set()).add(c.status));
      }
    }
    const ids = allChecks.map((c) => c.meta.id);
    expect([...seen.keys()].sort()).toEqual([...ids].sort());
    const neverNonPass = ids.filter((id) => ![...(seen.get(id) ?? [])].some((s) => s === 'fail' || s === 'warn' || s === 'error'));
    expect(neverNonPass).toEqual([]);
  });
});
