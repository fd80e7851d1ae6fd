// SSM (awsJson1_1, `X-Amz-Target: AmazonSSM.<Action>`) answers rendered from the facts.
// Timestamps are epoch seconds as JSON numbers.
import type { Activation, AgentInfo, ApiError, Instance, SessionPreferences } from '../../../src/facts/facts.js';
import { DHMC_SETTING_ID, SESSION_PREFERENCES_DOCUMENT } from '../../../src/facts/requirements.js';
import { ACTIVATION_TIER_SETTING_ID } from '../../../src/facts/evidence.js';
import { AwsError, decodeToken, encodeToken, epochSeconds, errorFromFact, globMatch } from './wire.js';
import type { Pool, World } from './world.js';

export interface SsmContext {
  world: World;
  body: Record<string, unknown>;
  pageSize: number;
  emptyPages: number;
}

type Handler = (c: SsmContext) => Record<string, unknown>;

const fail = (e: ApiError): Error => errorFromFact(e, 'ssm');

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function validation(field: string, value: unknown, constraint: string): AwsError {
  return new AwsError(
    'ValidationException',
    `1 validation error detected: Value '${String(value)}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function instanceOf(w: World, id: string): Instance | undefined {
  const f = w.facts.instances[id];
  if (f?.ok && f.value) return f.value;
  return w.extra.instances.find((i) => i.id === id);
}

interface InfoFilter {
  key: string;
  values: string[];
}

const INFO_FILTER_KEYS = ['InstanceIds', 'AgentVersion', 'PingStatus', 'PlatformTypes', 'ResourceType', 'IamRole', 'ActivationIds', 'AssociationStatus', 'tag-key'];

function infoFilters(body: Record<string, unknown>): InfoFilter[] {
  const out: InfoFilter[] = [];
  for (const f of Array.isArray(body.Filters) ? (body.Filters as Array<Record<string, unknown>>) : [])
    out.push({ key: str(f.Key) ?? '', values: strings(f.Values) });
  for (const f of Array.isArray(body.InstanceInformationFilterList) ? (body.InstanceInformationFilterList as Array<Record<string, unknown>>) : [])
    out.push({ key: str(f.key) ?? '', values: strings(f.valueSet) });
  for (const f of out) {
    if (!INFO_FILTER_KEYS.includes(f.key) && !f.key.startsWith('tag:')) throw new AwsError('InvalidFilterKey', `The filter key ${f.key} is not valid.`);
    if (!f.values.length) throw new AwsError('InvalidInstanceInformationFilterValue', `The filter ${f.key} must have at least one value.`);
  }
  return out;
}

function agentMatches(w: World, a: AgentInfo, filters: InfoFilter[]): boolean {
  const tags = () => {
    const i = instanceOf(w, a.instanceId);
    return i ? (i.name && !('Name' in i.tags) ? { ...i.tags, Name: i.name } : i.tags) : {};
  };
  return filters.every((f) => {
    switch (f.key) {
      case 'InstanceIds':
        return f.values.includes(a.instanceId);
      case 'PingStatus':
        return f.values.includes(a.pingStatus);
      case 'PlatformTypes':
        return a.platformType !== undefined && f.values.includes(a.platformType);
      case 'ResourceType':
        return a.resourceType !== undefined && f.values.includes(a.resourceType);
      case 'AgentVersion':
        return a.agentVersion !== undefined && f.values.some((v) => globMatch(v, a.agentVersion!));
      case 'tag-key':
        return Object.keys(tags()).some((k) => f.values.includes(k));
      default:
        if (f.key.startsWith('tag:')) {
          const v = tags()[f.key.slice(4)];
          return v !== undefined && f.values.includes(v);
        }
        return false; // IamRole, ActivationIds, AssociationStatus: not in the facts
    }
  });
}

function agentJson(a: AgentInfo): Record<string, unknown> {
  return {
    InstanceId: a.instanceId,
    PingStatus: a.pingStatus,
    LastPingDateTime: epochSeconds(a.lastPingDateTime),
    AgentVersion: a.agentVersion,
    IsLatestVersion: a.isLatestVersion,
    PlatformType: a.platformType,
    PlatformName: a.platformName,
    ResourceType: a.resourceType,
    RegistrationDate: epochSeconds(a.registrationDate),
    IPAddress: a.ipAddress,
    ComputerName: a.computerName,
    ActivationId: a.activationId,
    IamRole: a.iamRole,
  };
}

const invalidToken = (): AwsError => new AwsError('InvalidNextToken', 'The specified token is not valid.');

const DescribeInstanceInformation: Handler = (c) => {
  const filters = infoFilters(c.body);
  const max = c.body.MaxResults;
  if (max !== undefined && (typeof max !== 'number' || max < 5 || max > 50))
    throw validation('maxResults', max, 'Member must have value between 5 and 50');
  const token = str(c.body.NextToken);
  const state = token ? decodeToken('DescribeInstanceInformation', token, invalidToken) : { o: 0 };
  const emptyServed = typeof state.e === 'number' ? state.e : 0;
  if (emptyServed < c.emptyPages) {
    return { InstanceInformationList: [], NextToken: encodeToken('DescribeInstanceInformation', 0, { e: emptyServed + 1 }) };
  }

  const ids = filters.filter((f) => f.key === 'InstanceIds').flatMap((f) => f.values);
  const pool: Pool<AgentInfo> = { items: [], errors: [] };
  for (const [id, f] of Object.entries(c.world.facts.agents)) {
    if (!f.ok) pool.errors.push({ key: id, error: f.error });
    else if (f.value) pool.items.push(f.value);
  }
  pool.items.push(...c.world.extra.agents);
  // Hybrid registrations that are not targets (an EC2 instance registered as mi-...): only the scan saw them.
  const scan = c.world.facts.managedNodeScan;
  if (scan?.ok) for (const a of scan.value.matches) if (!pool.items.some((x) => x.instanceId === a.instanceId)) pool.items.push(a);
  const failed = ids.length ? pool.errors.find((e) => ids.includes(e.key)) : pool.errors[0];
  if (failed) throw fail(failed.error);

  const rows = pool.items.filter((a) => agentMatches(c.world, a, filters));
  const size = Math.max(1, Math.min(typeof max === 'number' ? max : 50, c.pageSize));
  const slice = rows.slice(state.o, state.o + size);
  const end = state.o + slice.length;
  return {
    InstanceInformationList: slice.map(agentJson),
    NextToken: end < rows.length ? encodeToken('DescribeInstanceInformation', end, { e: emptyServed }) : undefined,
  };
};

const GetConnectionStatus: Handler = (c) => {
  const target = str(c.body.Target);
  if (!target) throw validation('target', target, 'Member must not be null');
  const f = c.world.facts.connections[target];
  if (f && !f.ok) throw fail(f.error);
  const extra = c.world.extra.instances.some((i) => i.id === target);
  return { Target: target, Status: f?.ok ? f.value : extra ? 'connected' : 'notconnected' };
};

const GetServiceSetting: Handler = (c) => {
  const raw = str(c.body.SettingId);
  if (!raw) throw validation('settingId', raw, 'Member must not be null');
  // Accepts the setting id or its ARN (arn:aws:ssm:<region>:<account>:servicesetting/ssm/...).
  const settingId = raw.startsWith('arn:') ? raw.slice(raw.indexOf(':servicesetting') + ':servicesetting'.length) : raw;
  if (settingId === ACTIVATION_TIER_SETTING_ID) return activationTier(c, settingId);
  const dhmc = c.world.facts.dhmc;
  const dhmcId = dhmc.ok ? dhmc.value.settingId : DHMC_SETTING_ID;
  if (settingId !== dhmcId) throw new AwsError('ServiceSettingNotFound', `ServiceSetting ${settingId} not found.`);
  if (!dhmc.ok) throw fail(dhmc.error);
  const role = dhmc.value.roleName;
  // An account that never set DHMC answers the service default `$None` (not ServiceSettingNotFound).
  return {
    ServiceSetting: {
      SettingId: settingId,
      SettingValue: role ?? '$None',
      LastModifiedDate: epochSeconds(dhmc.value.lastModifiedDate),
      LastModifiedUser: role ? `arn:aws:iam::${c.world.account}:root` : 'System',
      ARN: `arn:aws:ssm:${c.world.region}:${c.world.account}:servicesetting${settingId}`,
      Status: role ? 'Customized' : 'Default',
    },
  };
};

/** The hybrid-node tier: the facts' value, else the service default (standard). */
function activationTier(c: SsmContext, settingId: string): Record<string, unknown> {
  const f = c.world.facts.activationTier;
  if (f && !f.ok) throw fail(f.error);
  const value = f?.value ?? 'standard';
  return {
    ServiceSetting: {
      SettingId: settingId,
      SettingValue: value,
      LastModifiedDate: epochSeconds(c.world.facts.collectedAt),
      LastModifiedUser: value === 'standard' ? 'System' : `arn:aws:iam::${c.world.account}:root`,
      ARN: `arn:aws:ssm:${c.world.region}:${c.world.account}:servicesetting${settingId}`,
      Status: value === 'standard' ? 'Default' : 'Customized',
    },
  };
}

/** ssm:DescribeActivations: the facts' activations, by the ActivationIds filter. */
const DescribeActivations: Handler = (c) => {
  const filters = Array.isArray(c.body.Filters) ? (c.body.Filters as Array<Record<string, unknown>>) : [];
  const ids = filters.filter((f) => f.FilterKey === 'ActivationIds').flatMap((f) => strings(f.FilterValues));
  for (const f of filters) {
    if (!['ActivationIds', 'DefaultInstanceName', 'IamRole'].includes(str(f.FilterKey) ?? ''))
      throw validation('filters.member.filterKey', f.FilterKey, 'Member must satisfy enum value set: [ActivationIds, DefaultInstanceName, IamRole]');
  }
  const rows: Activation[] = [];
  for (const [id, f] of Object.entries(c.world.facts.activations)) {
    if (ids.length && !ids.includes(id)) continue;
    if (!f.ok) throw fail(f.error);
    if (f.value) rows.push(f.value);
  }
  const max = typeof c.body.MaxResults === 'number' ? c.body.MaxResults : 50;
  const token = str(c.body.NextToken);
  const start = token ? decodeToken('DescribeActivations', token, () => new AwsError('InvalidNextToken', 'The specified token is not valid.')).o : 0;
  const slice = rows.slice(start, start + Math.max(1, Math.min(max, c.pageSize)));
  const end = start + slice.length;
  return {
    ActivationList: slice.map((a) => ({
      ActivationId: a.id,
      IamRole: a.iamRole,
      RegistrationLimit: a.registrationLimit,
      RegistrationsCount: a.registrationsCount,
      ExpirationDate: epochSeconds(a.expirationDate),
      Expired: a.expired,
      CreatedDate: epochSeconds(a.createdDate),
      DefaultInstanceName: a.defaultInstanceName,
    })),
    NextToken: end < rows.length ? encodeToken('DescribeActivations', end) : undefined,
  };
};

/** The `SSM-SessionManagerRunShell` document content: only the inputs the facts hold. */
export function sessionDocumentContent(prefs: SessionPreferences): string {
  const inputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(prefs)) if (v !== undefined) inputs[k] = v;
  return JSON.stringify(
    {
      schemaVersion: '1.0',
      description: 'Document to hold regional settings for Session Manager',
      sessionType: 'Standard_Stream',
      inputs,
    },
    null,
    2,
  );
}

const GetDocument: Handler = (c) => {
  const name = str(c.body.Name);
  if (!name) throw validation('name', name, 'Member must not be null');
  const missing = () => new AwsError('InvalidDocument', `Document with name ${name} does not exist.`);
  if (name !== SESSION_PREFERENCES_DOCUMENT) throw missing();
  const prefs = c.world.facts.preferences;
  if (!prefs.ok) throw fail(prefs.error);
  if (prefs.value === null) throw missing();
  return {
    Name: name,
    CreatedDate: epochSeconds(c.world.facts.collectedAt),
    DocumentVersion: '1',
    Status: 'Active',
    Content: sessionDocumentContent(prefs.value),
    DocumentType: 'Session',
    DocumentFormat: 'JSON',
  };
};

export const SSM_HANDLERS: Record<string, Handler> = {
  DescribeInstanceInformation,
  GetConnectionStatus,
  GetServiceSetting,
  GetDocument,
  DescribeActivations,
};
