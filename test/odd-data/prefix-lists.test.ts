// Managed prefix lists: the collector reads their entries (ec2:GetManagedPrefixListEntries) and their NAMES
// (ec2:DescribeManagedPrefixLists, so src/eval/path.ts can tell `com.amazonaws.<region>.s3` apart); a denied name
// read is recorded on the list (nameError) and is never fatal. Over aws-sdk-client-mock, over the local AWS
// wire server, and what the checks make of named, unnamed and unreadable lists.
import { DescribeManagedPrefixListsCommand, GetManagedPrefixListEntriesCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { collect } from '../../src/collect/index.js';
import { failed, ok, type Facts } from '../../src/facts/facts.js';
import { defaultRoute } from '../../src/eval/path.js';
import { runChecks } from '../../src/check/run.js';
import { allChecks } from '../../checks/index.js';
import { awsError, healthyAws, routeTableWith } from '../collect/fake-aws.js';
import { useAwsServer } from '../fixtures/aws-env.js';
import { ACCOUNT, IID, REGION, ROLE_ARN, VPC, denied, val, world } from '../fixtures/world.js';
import { agentRoleQuestions } from '../../src/facts/requirements.js';
import { saneRun } from './harness.js';
import * as O from './odd-worlds.js';

const S3_NAME = `com.amazonaws.${REGION}.s3`;

describe('collector (aws-sdk-client-mock)', () => {
  function withPrefixListRoutes() {
    const aws = healthyAws();
    routeTableWith(aws.mocks, [
      { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
      { DestinationPrefixListId: 'pl-63a5400a', GatewayId: 'vpce-0s3', State: 'active' },
      { DestinationPrefixListId: 'pl-0corp', TransitGatewayId: 'tgw-1', State: 'active' },
    ]);
    aws.mocks.ec2.on(GetManagedPrefixListEntriesCommand).callsFake(async (input: { PrefixListId: string }) => ({
      Entries: input.PrefixListId === 'pl-63a5400a' ? [{ Cidr: '52.216.0.0/15' }] : [{ Cidr: '192.168.0.0/16' }],
    }));
    return aws;
  }

  it('records the names of the lists, read in one filtered DescribeManagedPrefixLists call', async () => {
    const { clients, mocks } = withPrefixListRoutes();
    mocks.ec2.on(DescribeManagedPrefixListsCommand).resolves({
      PrefixLists: [
        { PrefixListId: 'pl-63a5400a', PrefixListName: 'com.amazonaws.us-east-1.s3', OwnerId: 'AWS' },
        { PrefixListId: 'pl-0corp', PrefixListName: 'corp-networks', OwnerId: '111122223333' },
      ],
    });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.prefixLists).toEqual({
      'pl-63a5400a': ok({ id: 'pl-63a5400a', name: 'com.amazonaws.us-east-1.s3', cidrs: ['52.216.0.0/15'] }),
      'pl-0corp': ok({ id: 'pl-0corp', name: 'corp-networks', cidrs: ['192.168.0.0/16'] }),
    });
    const calls = mocks.ec2.commandCalls(DescribeManagedPrefixListsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ Filters: [{ Name: 'prefix-list-id', Values: ['pl-63a5400a', 'pl-0corp'] }] });
  });

  it('a denied DescribeManagedPrefixLists is recorded on each list (nameError), the entries still count, nothing else fails', async () => {
    const { clients, mocks } = withPrefixListRoutes();
    mocks.ec2.on(DescribeManagedPrefixListsCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const facts = await collect({ region: REGION, targets: [IID], clients });
    const pl = facts.prefixLists['pl-63a5400a'];
    expect(pl).toEqual(
      ok({ id: 'pl-63a5400a', nameError: { api: 'ec2:DescribeManagedPrefixLists', code: 'UnauthorizedOperation', message: expect.any(String), kind: 'denied' }, cidrs: ['52.216.0.0/15'] }),
    );
    expect(facts.routeTables[VPC]?.ok).toBe(true);
    expect(facts.instances[IID]?.ok).toBe(true);
  });

  it('a list DescribeManagedPrefixLists does not return gets no name and no error', async () => {
    const { clients, mocks } = withPrefixListRoutes();
    mocks.ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists: [] });
    const facts = await collect({ region: REGION, targets: [IID], clients });
    expect(facts.prefixLists['pl-0corp']).toEqual(ok({ id: 'pl-0corp', cidrs: ['192.168.0.0/16'] }));
  });
});

describe('collector over HTTP (the local AWS wire server)', () => {
  const aws = useAwsServer();
  const collectOver = aws.collectOver;

  const served = () =>
    world((f) => {
      O.prefixListResolved(f);
      O.s3PrefixListRoute(f);
    });

  it('gives back the names and entries it was served', async () => {
    const from = served();
    const facts = await collectOver(from);
    expect(facts.prefixLists).toEqual(from.prefixLists);
    // Lists named by routes and instance SGs are read at once, those of endpoint SGs as soon as those are known.
    const asked = aws.server.requests
      .filter((r) => r.action === 'DescribeManagedPrefixLists')
      .flatMap((r) => Object.entries(r.params as Record<string, string>).filter(([k]) => k.startsWith('Filter.1.Value.')).map(([, v]) => v));
    expect(asked.sort()).toEqual([O.PL_S3, O.PL_VPC].sort());
  });

  it('a world whose name read is denied comes back with the same nameError, entries intact', async () => {
    const from = served();
    const pl = val(from.prefixLists[O.PL_S3]);
    delete pl.name;
    pl.nameError = denied('ec2:DescribeManagedPrefixLists');
    const facts = await collectOver(from);
    expect(facts.prefixLists[O.PL_S3]).toMatchObject({ ok: true, value: { id: O.PL_S3, cidrs: pl.cidrs, nameError: { api: 'ec2:DescribeManagedPrefixLists', code: 'UnauthorizedOperation', kind: 'denied' } } });
    expect(val(facts.prefixLists[O.PL_S3]).name).toBeUndefined();
  });

  it('a server that refuses DescribeManagedPrefixLists: recorded, not fatal, and every check still runs', async () => {
    const facts = await collectOver(served(), { faults: [{ action: 'DescribeManagedPrefixLists', kind: 'error', code: 'UnauthorizedOperation', status: 403 }] });
    for (const id of [O.PL_S3, O.PL_VPC]) expect(facts.prefixLists[id]).toMatchObject({ ok: true, value: { nameError: { kind: 'denied' } } });
    const results = runChecks(allChecks, facts, IID);
    expect(results.find((r) => r.id === 'security-group.endpoint-ingress')?.status).toBe('pass');
    expect(results.every((r) => !r.detail.includes('crashed'))).toBe(true);
  });
});

describe('src/eval/path.ts and the checks', () => {
  const ctx = (f: Facts) => ({ facts: f, id: IID, region: REGION });
  /** No NAT/IGW, no endpoints: only a route to the given prefix list. */
  const onlyPrefixListRoute = (name: string | undefined, nameError = false) => (f: Facts) => {
    f.endpoints[VPC] = ok([]);
    val(f.routeTables[VPC])[0]!.routes.push({ destinationPrefixListId: O.PL_S3, target: { type: 'vpce', id: 'vpce-0s3gw' }, state: 'active' });
    f.prefixLists[O.PL_S3] = ok({ id: O.PL_S3, cidrs: ['52.216.0.0/15'], ...(name ? { name } : {}), ...(nameError ? { nameError: denied('ec2:DescribeManagedPrefixLists') } : {}) });
  };

  it.each([
    ['named com.amazonaws.<region>.s3', 's3', 'unproven', onlyPrefixListRoute(S3_NAME)],
    ['named otherwise (dynamodb)', 's3', 'none', onlyPrefixListRoute(`com.amazonaws.${REGION}.dynamodb`)],
    ['whose name read was denied', 's3', 'unproven', onlyPrefixListRoute(undefined, true)],
    ['whose entries could not be read', 's3', 'unproven', (f: Facts) => (onlyPrefixListRoute(S3_NAME)(f), (f.prefixLists[O.PL_S3] = failed(denied('ec2:GetManagedPrefixListEntries'))))],
    ['never collected', 's3', 'unproven', (f: Facts) => (onlyPrefixListRoute(S3_NAME)(f), delete f.prefixLists[O.PL_S3])],
    // There is no AWS-managed prefix list for ssm: an unnamed list never stands for it.
    ['whose name read was denied', 'ssm', 'none', onlyPrefixListRoute(undefined, true)],
  ] as const)('a route to a prefix list %s: the %s path is %s', (_, service, kind, edit) => {
    expect(defaultRoute(ctx(world(edit)), service).kind).toBe(kind);
  });

  it('S3 session logging over endpoints with only an unnamed prefix-list route: warns (cannot prove), does not fail', () => {
    const logs = (f: Facts) => {
      f.preferences = ok({ s3BucketName: 'session-logs' });
      f.buckets = { 'session-logs': ok({ algorithm: 'AES256' }) };
      f.simulations[ROLE_ARN] = ok(
        agentRoleQuestions(REGION, ACCOUNT, { s3BucketName: 'session-logs' }).flatMap((q) => q.actions.map((action) => ({ action, resource: q.resource, decision: 'allowed' as const }))),
      );
      val(f.routeTables[VPC])[0]!.routes.push({ destinationPrefixListId: O.PL_S3, target: { type: 'tgw', id: 'tgw-0abc' }, state: 'active' });
    };
    const unnamed = saneRun(world((f) => (logs(f), (f.prefixLists[O.PL_S3] = ok({ id: O.PL_S3, cidrs: ['52.216.0.0/15'], nameError: denied('ec2:DescribeManagedPrefixLists') })))));
    expect(unnamed['session.logging']).toMatchObject({ status: 'warn', detail: expect.stringContaining('tgw-0abc') });
    const named = saneRun(world((f) => (logs(f), (f.prefixLists[O.PL_S3] = ok({ id: O.PL_S3, name: S3_NAME, cidrs: ['52.216.0.0/15'] })))));
    expect(named['session.logging']!.status).toBe('warn');
    const none = saneRun(world(logs)); // the route's list was never collected: still not "no way out"
    expect(none['session.logging']!.status).toBe('warn');
  });

  it('security-group rules: a resolved list decides, an unreadable one warns with the permission, never a pass', () => {
    const resolved = saneRun(world(O.prefixListResolved));
    expect(resolved['security-group.endpoint-ingress']!.status).toBe('pass');
    const unreadable = saneRun(world(O.prefixListDenied));
    expect(unreadable['security-group.endpoint-ingress']).toMatchObject({ status: 'warn', detail: expect.stringContaining('ec2:GetManagedPrefixListEntries') });
    const noName = saneRun(world((f) => (O.prefixListResolved(f), (val(f.prefixLists[O.PL_VPC]).nameError = denied('ec2:DescribeManagedPrefixLists')))));
    expect(noName['security-group.endpoint-ingress']!.status).toBe('pass'); // the entries decide; the name is only a label
  });
});
