// IAM and STS (awsQuery: form-encoded request, `<XxxResponse><XxxResult>` XML, `<member>` lists)
// answers rendered from the facts. Policy documents travel URL-encoded, as AWS sends them.
import type { ApiError, NamedPolicy, PolicyDocument, Role, RoleRef } from '../../../src/facts/facts.js';
import { AwsError, decodeToken, encodeToken, errorFromFact, idOf, isoOrUndefined, members, qlist, type QueryParams, type XmlNode } from './wire.js';
import type { World } from './world.js';

export interface QueryContext {
  world: World;
  p: QueryParams;
  pageSize: number;
}

type Handler = (c: QueryContext) => XmlNode;

const failIam = (e: ApiError): Error => errorFromFact(e, 'iam');

function noSuchEntity(message: string): AwsError {
  return new AwsError('NoSuchEntity', message, 404);
}

function required(c: QueryContext, name: string): string {
  const v = c.p[name];
  if (!v) throw new AwsError('ValidationError', `1 validation error detected: Value null at '${name[0]!.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return v;
}

/** `/path/` of an IAM ARN (`arn:aws:iam::1:role/a/b/name` -> `/a/b/`). */
function pathOf(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/').slice(1, -1);
  return parts.length ? `/${parts.join('/')}/` : '/';
}

function nameOf(arn: string): string {
  return arn.split('/').pop() ?? arn;
}

const encodeDoc = (d: PolicyDocument): string => encodeURIComponent(JSON.stringify(d));

function created(w: World): string | undefined {
  return isoOrUndefined(w.facts.collectedAt)?.replace(/\.\d{3}Z$/, 'Z');
}

function roleXml(w: World, r: RoleRef & Partial<Pick<Role, 'permissionsBoundaryArn'>>): XmlNode {
  return {
    Path: pathOf(r.arn),
    RoleName: r.name,
    RoleId: idOf('AROA', r.arn),
    Arn: r.arn,
    CreateDate: created(w),
    AssumeRolePolicyDocument: r.trustPolicy ? encodeDoc(r.trustPolicy) : undefined,
    MaxSessionDuration: 3600,
    PermissionsBoundary: r.permissionsBoundaryArn ? { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: r.permissionsBoundaryArn } : undefined,
  };
}

/** A role by name: `facts.roles`, else a role of a known instance profile. */
function findRole(w: World, name: string): RoleRef & Partial<Role> {
  const f = w.facts.roles[name];
  if (f) {
    if (!f.ok) throw failIam(f.error);
    return f.value;
  }
  for (const p of Object.values(w.facts.instanceProfiles)) if (p.ok && p.value) for (const r of p.value.roles) if (r.name === name) return r;
  throw noSuchEntity(`The role with name ${name} cannot be found.`);
}

/** Marker-based paging (MaxItems/Marker/IsTruncated). */
function pageOf<T>(c: QueryContext, action: string, all: T[]): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const invalid = () => new AwsError('InvalidInput', 'Invalid Marker.');
  const start = c.p.Marker ? decodeToken(action, c.p.Marker, invalid).o : 0;
  const asked = Number(c.p.MaxItems);
  const size = Math.max(1, Math.min(asked > 0 ? asked : 100, c.pageSize));
  const slice = all.slice(start, start + size);
  const end = start + slice.length;
  return end < all.length ? { items: slice, IsTruncated: true, Marker: encodeToken(action, end) } : { items: slice, IsTruncated: false };
}

const GetInstanceProfile: Handler = (c) => {
  const name = required(c, 'InstanceProfileName');
  for (const [arn, f] of Object.entries(c.world.facts.instanceProfiles)) {
    if (nameOf(arn) !== name) continue;
    if (!f.ok) throw failIam(f.error);
    const p = f.value;
    // null: the profile the instance names does not exist.
    if (!p) break;
    return {
      InstanceProfile: {
        Path: pathOf(p.arn),
        InstanceProfileName: p.name,
        InstanceProfileId: idOf('AIPA', p.arn),
        Arn: p.arn,
        CreateDate: created(c.world),
        Roles: members(p.roles.map((r) => roleXml(c.world, r))),
      },
    };
  }
  throw noSuchEntity(`Instance Profile ${name} cannot be found.`);
};

const GetRole: Handler = (c) => ({ Role: roleXml(c.world, findRole(c.world, required(c, 'RoleName'))) });

const SimulatePrincipalPolicy: Handler = (c) => {
  const arn = required(c, 'PolicySourceArn');
  const actions = qlist(c.p, 'ActionNames.member');
  if (!actions.length) throw new AwsError('ValidationError', "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null");
  const resources = qlist(c.p, 'ResourceArns.member');
  const f = c.world.facts.simulations[arn];
  if (!f) throw noSuchEntity(`The specified entity ${arn} does not exist.`);
  if (!f.ok) throw failIam(f.error);
  // As AWS documents today: one EvaluationResult per action, whatever the number of resources; its top-level
  // decision is the most restrictive across them, and ResourceSpecificResults holds one decision per resource.
  const decisionOf = (action: string, resource: string) =>
    f.value.find((d) => d.action.toLowerCase() === action.toLowerCase() && d.resource === resource)?.decision ?? 'implicitDeny';
  const RANK = { allowed: 0, implicitDeny: 1, explicitDeny: 2 } as const;
  const results = actions.map((action) => {
    const per = (resources.length ? resources : ['*']).map((resource) => ({ resource, decision: decisionOf(action, resource) }));
    const worst = per.reduce((a, b) => (RANK[b.decision] > RANK[a.decision] ? b : a)).decision;
    return { action, resource: per.length === 1 ? per[0]!.resource : '*', decision: worst, per };
  });
  const pg = pageOf(c, 'SimulatePrincipalPolicy', results);
  return {
    EvaluationResults: members(
      pg.items.map((r) => ({
        EvalActionName: r.action,
        EvalResourceName: r.resource,
        EvalDecision: r.decision,
        MatchedStatements: members([]),
        MissingContextValues: members([]),
        ResourceSpecificResults:
          r.per.length === 1 && r.per[0]!.resource === '*'
            ? undefined
            : members(r.per.map((x) => ({ EvalResourceName: x.resource, EvalResourceDecision: x.decision, MatchedStatements: members([]), MissingContextValues: members([]) }))),
      })),
    ),
    IsTruncated: pg.IsTruncated,
    Marker: pg.Marker,
  };
};

// ---- A role's policies (facts.roles[name].policies) ----

type PolicyApi = 'ListAttachedRolePolicies' | 'ListRolePolicies' | 'GetPolicy' | 'GetPolicyVersion' | 'GetRolePolicy';
/** Stand-ins listed when a later read of the chain failed, so that read is reached and fails. */
const UNREADABLE_MANAGED = 'arn:aws:iam::aws:policy/ssm-doctor-unreadable';
const UNREADABLE_INLINE = 'ssm-doctor-unreadable';

/** The role's policies, or which call of the chain failed and how. */
function rolePolicies(c: QueryContext, roleName: string): { policies: NamedPolicy[] } | { failedAt: PolicyApi; error: ApiError } {
  const role = findRole(c.world, roleName);
  const p = (role as Partial<Role>).policies;
  if (!p) return { policies: [] };
  if (p.ok) return { policies: p.value };
  const api = p.error.api.replace(/^iam:/, '');
  const failedAt: PolicyApi = (['ListRolePolicies', 'GetPolicy', 'GetPolicyVersion', 'GetRolePolicy'] as const).find((a) => a === api) ?? 'ListAttachedRolePolicies';
  return { failedAt, error: p.error };
}

/** Every managed policy any role's facts hold, by ARN. */
function managedPolicy(c: QueryContext, arn: string, api: PolicyApi): NamedPolicy | 'unreadable' {
  if (arn === UNREADABLE_MANAGED) {
    for (const f of Object.values(c.world.facts.roles))
      if (f.ok && f.value.policies && !f.value.policies.ok && f.value.policies.error.api === `iam:${api}`) throw failIam(f.value.policies.error);
    return 'unreadable';
  }
  for (const f of Object.values(c.world.facts.roles))
    if (f.ok && f.value.policies?.ok) for (const pol of f.value.policies.value) if (pol.kind === 'managed' && pol.arn === arn) return pol;
  throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
}

const ListAttachedRolePolicies: Handler = (c) => {
  const r = rolePolicies(c, required(c, 'RoleName'));
  let attached: Array<{ name: string; arn: string }>;
  if ('failedAt' in r) {
    if (r.failedAt === 'ListAttachedRolePolicies') throw failIam(r.error);
    attached = r.failedAt === 'GetPolicy' || r.failedAt === 'GetPolicyVersion' ? [{ name: nameOf(UNREADABLE_MANAGED), arn: UNREADABLE_MANAGED }] : [];
  } else {
    attached = r.policies.filter((p) => p.kind === 'managed').map((p) => ({ name: p.name, arn: p.arn ?? `arn:aws:iam::${c.world.account}:policy/${p.name}` }));
  }
  const pg = pageOf(c, 'ListAttachedRolePolicies', attached);
  return { AttachedPolicies: members(pg.items.map((p) => ({ PolicyName: p.name, PolicyArn: p.arn }))), IsTruncated: pg.IsTruncated, Marker: pg.Marker };
};

const ListRolePolicies: Handler = (c) => {
  const r = rolePolicies(c, required(c, 'RoleName'));
  let names: string[];
  if ('failedAt' in r) {
    if (r.failedAt === 'ListRolePolicies' || r.failedAt === 'ListAttachedRolePolicies') throw failIam(r.error);
    names = r.failedAt === 'GetRolePolicy' ? [UNREADABLE_INLINE] : [];
  } else {
    names = r.policies.filter((p) => p.kind === 'inline').map((p) => p.name);
  }
  const pg = pageOf(c, 'ListRolePolicies', names);
  return { PolicyNames: members(pg.items), IsTruncated: pg.IsTruncated, Marker: pg.Marker };
};

const GetPolicy: Handler = (c) => {
  const arn = required(c, 'PolicyArn');
  const pol = managedPolicy(c, arn, 'GetPolicy');
  const name = pol === 'unreadable' ? nameOf(arn) : pol.name;
  return {
    Policy: {
      PolicyName: name,
      PolicyId: idOf('ANPA', arn),
      Arn: arn,
      Path: pathOf(arn),
      DefaultVersionId: 'v1',
      AttachmentCount: 1,
      PermissionsBoundaryUsageCount: 0,
      IsAttachable: true,
      CreateDate: created(c.world),
      UpdateDate: created(c.world),
    },
  };
};

const GetPolicyVersion: Handler = (c) => {
  const arn = required(c, 'PolicyArn');
  const versionId = required(c, 'VersionId');
  const pol = managedPolicy(c, arn, 'GetPolicyVersion');
  if (pol === 'unreadable' || versionId !== 'v1') throw noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
  return { PolicyVersion: { Document: encodeDoc(pol.document), VersionId: 'v1', IsDefaultVersion: true, CreateDate: created(c.world) } };
};

const GetRolePolicy: Handler = (c) => {
  const roleName = required(c, 'RoleName');
  const policyName = required(c, 'PolicyName');
  const r = rolePolicies(c, roleName);
  if ('failedAt' in r) {
    if (r.failedAt === 'GetRolePolicy' && policyName === UNREADABLE_INLINE) throw failIam(r.error);
    throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
  }
  const pol = r.policies.find((p) => p.kind === 'inline' && p.name === policyName);
  if (!pol) throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
  return { RoleName: roleName, PolicyName: policyName, PolicyDocument: encodeDoc(pol.document) };
};

export const IAM_HANDLERS: Record<string, Handler> = {
  GetInstanceProfile,
  GetRole,
  SimulatePrincipalPolicy,
  ListAttachedRolePolicies,
  ListRolePolicies,
  GetPolicy,
  GetPolicyVersion,
  GetRolePolicy,
};

const GetCallerIdentity: Handler = (c) => {
  const f = c.world.facts.caller;
  if (!f.ok) throw errorFromFact(f.error, 'sts');
  return { UserId: f.value.userId, Account: f.value.account, Arn: f.value.arn };
};

export const STS_HANDLERS: Record<string, Handler> = { GetCallerIdentity };
