// Reading and writing snapshots (the facts of one run). A bad file is a one-line CliError (exit 3).
import { readFileSync, writeFileSync } from 'node:fs';
import { CliError, EXIT } from '../cli/exit-codes.js';
import { emptyResourceMaps, FACTS_SCHEMA_VERSION, type Facts } from './facts.js';

/** Per-resource maps: missing ones are read as empty (nothing collected), never as an error. */
const MAPS = Object.keys(emptyResourceMaps()) as (keyof ReturnType<typeof emptyResourceMaps>)[];
/** Reads that are absent unless a target needed them (hybrid-node tier, hybrid registrations). */
const OPTIONAL_READS = ['activationTier', 'managedNodeScan'] as const satisfies readonly (keyof Facts)[];

export function parseSnapshot(text: string, name: string): Facts {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CliError(`snapshot ${name} is not valid JSON (${why}); was it truncated?`, EXIT.CANNOT_RUN);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CliError(`snapshot ${name} is not a JSON object`, EXIT.CANNOT_RUN);
  }
  const f = data as Record<string, unknown>;
  if (f.schemaVersion !== FACTS_SCHEMA_VERSION) {
    throw new CliError(
      `snapshot ${name} has schemaVersion ${JSON.stringify(f.schemaVersion)}; this ssm-doctor reads version ${FACTS_SCHEMA_VERSION}`,
      EXIT.CANNOT_RUN,
    );
  }
  if (typeof f.region !== 'string' || !f.region) throw new CliError(`snapshot ${name} has no "region"`, EXIT.CANNOT_RUN);
  if (!Array.isArray(f.targets) || !f.targets.every((t) => typeof t === 'string')) {
    throw new CliError(`snapshot ${name} has no "targets" list of instance ids`, EXIT.CANNOT_RUN);
  }
  if (f.targets.length === 0) throw new CliError(`snapshot ${name} has no targets: it judges no instance`, EXIT.CANNOT_RUN);
  for (const key of MAPS) {
    if (f[key] === undefined) f[key] = {};
    else if (typeof f[key] !== 'object' || f[key] === null || Array.isArray(f[key])) {
      throw new CliError(`snapshot ${name}: "${key}" must be an object keyed by id`, EXIT.CANNOT_RUN);
    }
    // Every entry is a read: {"ok": true, "value": ...} or {"ok": false, "error": {...}}.
    for (const [id, v] of Object.entries(f[key] as Record<string, unknown>)) {
      if (!isFetched(v)) throw new CliError(`snapshot ${name}: "${key}"."${id}" must be {"ok": true, "value": ...} or {"ok": false, "error": {...}}`, EXIT.CANNOT_RUN);
    }
  }
  const instances = f.instances as Record<string, unknown>;
  const without = (f.targets as string[]).filter((t) => !t.startsWith('mi-') && instances[t] === undefined);
  if (without.length > 0) throw new CliError(`snapshot ${name} has no "instances" entry for ${without.join(', ')}`, EXIT.CANNOT_RUN);
  // Optional account-level evidence (absent = not read): when present, a Fetched object.
  for (const key of OPTIONAL_READS) {
    const v = f[key];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as { ok?: unknown }).ok !== 'boolean')) {
      throw new CliError(`snapshot ${name}: "${key}" must be a {"ok": ...} object`, EXIT.CANNOT_RUN);
    }
  }
  // Optional evidence (absent from older snapshots and from runs that did not need it): objects when present.
  for (const key of ['logGroups', 'buckets', 'kmsKeys', 'cloudTrail'] as const) {
    if (f[key] !== undefined && (typeof f[key] !== 'object' || f[key] === null || Array.isArray(f[key]))) {
      throw new CliError(`snapshot ${name}: "${key}" must be an object`, EXIT.CANNOT_RUN);
    }
  }
  const ct = f.cloudTrail as { targets?: unknown; lookups?: unknown } | undefined;
  if (ct && (!Array.isArray(ct.targets) || typeof ct.lookups !== 'object' || ct.lookups === null)) {
    throw new CliError(`snapshot ${name}: "cloudTrail" needs "targets" (a list) and "lookups" (an object)`, EXIT.CANNOT_RUN);
  }
  if (typeof f.collectedAt !== 'string') f.collectedAt = new Date(0).toISOString();
  // Facts about the operator's machine are never taken from a snapshot.
  delete f.local;
  return f as unknown as Facts;
}

function isFetched(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const r = v as { ok?: unknown; value?: unknown; error?: unknown };
  if (r.ok === true) return 'value' in r;
  return r.ok === false && typeof r.error === 'object' && r.error !== null;
}

export function readSnapshot(path: string): Facts {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read snapshot ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, EXIT.CANNOT_RUN);
  }
  return parseSnapshot(text, path);
}

/** The snapshot form of facts: everything but what was learnt about this machine. */
export function snapshotOf(facts: Facts): Facts {
  const { local: _local, ...rest } = facts;
  return rest;
}

export function writeSnapshot(path: string, facts: Facts): void {
  try {
    writeFileSync(path, `${JSON.stringify(snapshotOf(facts), null, 2)}\n`);
  } catch (e) {
    throw new CliError(`cannot write snapshot ${path}: ${(e as Error).message}`, EXIT.CANNOT_RUN);
  }
}
