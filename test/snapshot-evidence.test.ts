// Snapshots and the offline evidence: older snapshots (no evidence maps) still load, and the optional reads must
// be Fetched objects when present.
import { describe, expect, it } from 'vitest';
import { parseSnapshot } from '../src/facts/snapshot.js';
import { world } from './fixtures/world.js';
import { hybridNode } from './fixtures/evidence.js';

const text = (edit: (f: Record<string, unknown>) => void) => {
  const f = JSON.parse(JSON.stringify(world())) as Record<string, unknown>;
  edit(f);
  return JSON.stringify(f);
};

describe('snapshots with offline evidence', () => {
  it('a snapshot without the evidence maps (an older ssm-doctor) reads them as empty', () => {
    const f = parseSnapshot(text((g) => {
      for (const k of ['instanceStatus', 'images', 'consoleEvidence', 'instanceConnectEndpoints', 'activations']) delete g[k];
    }), 'old.json');
    expect(f.instanceStatus).toEqual({});
    expect(f.consoleEvidence).toEqual({});
    expect(f.activationTier).toBeUndefined();
  });

  it('refuses, in one line, a snapshot that judges no instance or whose reads are not {"ok": ...} objects (exit 3, never a green run)', () => {
    expect(() => parseSnapshot(text((g) => (g.targets = [])), 'empty.json')).toThrow('snapshot empty.json has no targets: it judges no instance');
    expect(() => parseSnapshot(text((g) => (g.endpoints = { 'vpc-0a1b2c3d4e5f60718': null })), 'bad.json')).toThrow(
      /"endpoints"\."vpc-0a1b2c3d4e5f60718" must be \{"ok": true, "value": \.\.\.\} or \{"ok": false, "error": \{\.\.\.\}\}/,
    );
    expect(() => parseSnapshot(text((g) => (g.instances = {})), 'bad.json')).toThrow(/has no "instances" entry for i-/);
  });

  it('the optional account-level reads round-trip, and must be {"ok": ...} objects', () => {
    const hybrid = world((f) => hybridNode(f));
    expect(parseSnapshot(JSON.stringify(hybrid), 'h.json').activationTier).toEqual({ ok: true, value: 'advanced' });
    expect(() => parseSnapshot(text((g) => (g.managedNodeScan = 'yes')), 'bad.json')).toThrow(/"managedNodeScan" must be a \{"ok": \.\.\.\} object/);
    expect(() => parseSnapshot(text((g) => (g.activationTier = { value: 'advanced' })), 'bad.json')).toThrow(/activationTier/);
    expect(() => parseSnapshot(text((g) => (g.consoleEvidence = [])), 'bad.json')).toThrow(/"consoleEvidence" must be an object keyed by id/);
  });
});
