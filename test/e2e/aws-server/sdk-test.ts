// Helpers for tests that drive the local AWS server with the real SDK clients: the error a call throws, and wire
// conformance (what the server emits must be what the SDK reads: an element the output schema does not have is a
// typo the SDK would silently drop).
import type { NormalizedSchema } from '@smithy/core/schema';

/** Paths of elements (XML) or fields (JSON) that the output schema does not have: typos the SDK would drop. */
export function unknownFields(value: unknown, ns: NormalizedSchema, path: string, xml: boolean, out: string[]): void {
  if (value === null || typeof value !== 'object') return;
  if (ns.isListSchema()) {
    const member = ns.getValueSchema();
    if (!xml) {
      for (const v of value as unknown[]) unknownFields(v, member, `${path}[]`, xml, out);
      return;
    }
    const tag = (member.getMergedTraits().xmlName as string | undefined) ?? 'member';
    for (const [k, v] of Object.entries(value)) {
      if (k !== tag) out.push(`${path}/${k}`);
      else for (const x of Array.isArray(v) ? v : [v]) unknownFields(x, member, `${path}/${tag}`, xml, out);
    }
    return;
  }
  if (!ns.isStructSchema()) return;
  const byName = new Map<string, NormalizedSchema>();
  for (const [name, m] of ns.structIterator()) byName.set(xml ? ((m.getMemberTraits().xmlName as string | undefined) ?? name) : name, m);
  for (const [k, v] of Object.entries(value)) {
    if (xml && (k === 'xmlns' || k === '#text')) continue;
    const m = byName.get(k);
    if (!m) out.push(`${path}/${k}`);
    // A flattened XML list (S3's <Rule>...</Rule><Rule>...</Rule>) has no wrapper: each element is a member.
    else if (xml && m.isListSchema() && m.getMergedTraits().xmlFlattened) {
      for (const x of Array.isArray(v) ? v : [v]) unknownFields(x, m.getValueSchema(), `${path}/${k}`, xml, out);
    } else unknownFields(v, m, `${path}/${k}`, xml, out);
  }
}

/** The error a call rejects with (fails the test when it resolves). */
export async function errorOf(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}
