// Reports for the renderer tests: built from examples/*.json with the real checks, and a strict XML reader.
import { readdirSync, readFileSync } from 'node:fs';
import { allChecks } from '../../checks/index.js';
import type { Check } from '../../src/check/kit.js';
import type { Facts } from '../../src/facts/facts.js';
import { buildReport, type Report, type ReportOptions, type TargetReport } from '../../src/report/model.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { buildPlan, groupCauses } from '../../src/diagnose/fleet.js';

/** Every example in examples/ (the first screen, the formats and redaction are judged on all of them). */
export const EXAMPLES = readdirSync(new URL('../../examples/', import.meta.url))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

export const TOOL = { name: 'ssm-doctor', version: 'test' };

export function exampleFacts(name: string): Facts {
  return parseSnapshot(readFileSync(new URL(`../../examples/${name}.json`, import.meta.url), 'utf8'), name);
}

export function reportOf(facts: Facts | string, opts: Partial<ReportOptions> = {}, checks: Check[] = allChecks): Report {
  const f = typeof facts === 'string' ? exampleFacts(facts) : facts;
  return buildReport(f, checks, { tool: TOOL, source: 'snapshot', ...opts });
}

/** A report whose targets are copies of the examples' targets (ids and Name tags renumbered). */
export function fleetReport(count: number, pick: (n: number) => string, name: (n: number) => string = (n) => `app-${n}`): Report {
  const byExample = new Map<string, TargetReport>();
  const targets: TargetReport[] = [];
  for (let n = 0; n < count; n++) {
    const ex = pick(n);
    let t = byExample.get(ex);
    if (!t) byExample.set(ex, (t = reportOf(ex).targets[0]!));
    const id = `i-${n.toString(16).padStart(17, '0')}`;
    targets.push({ ...structuredClone(t), target: id, instance: { ...t.instance, name: name(n) } });
  }
  const base = reportOf('healthy');
  const causes = groupCauses(targets);
  return { ...base, targets, ok: targets.every((t) => t.ok), causes, plan: buildPlan(causes, targets, base.region) };
}

// --- a strict, tiny XML 1.0 reader (well-formedness only; enough for the JUnit output) --------------------------

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_.:-]*/;
const ALLOWED = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

function decode(raw: string, where: string): string {
  if (/[<]/.test(raw)) throw new Error(`raw < in ${where}`);
  return raw.replace(/&([^;]*);?/g, (m, ref: string) => {
    if (!m.endsWith(';')) throw new Error(`unterminated reference in ${where}: ${m}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref]!;
    const num = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(ref);
    if (!num) throw new Error(`bad reference &${ref}; in ${where}`);
    const cp = num[1] ? parseInt(num[1], 16) : Number(num[2]);
    const ch = String.fromCodePoint(cp);
    if (!ALLOWED.test(ch)) throw new Error(`reference to a forbidden character in ${where}`);
    return ch;
  });
}

/** Parses a document or throws naming the first well-formedness error. */
export function parseXml(xml: string): XmlElement {
  if (!ALLOWED.test(xml)) throw new Error('a character XML 1.0 forbids');
  let i = 0;
  const rest = () => xml.slice(i);
  const ws = () => {
    while (i < xml.length && /\s/.test(xml[i]!)) i++;
  };
  if (xml.startsWith('<?xml')) {
    const end = xml.indexOf('?>');
    if (end < 0) throw new Error('unterminated declaration');
    i = end + 2;
  }
  ws();
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < xml.length) {
    if (xml.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_:][A-Za-z0-9_.:-]*)\s*>/.exec(rest());
      const open = stack.pop();
      if (!m || !open || m[1] !== open.name) throw new Error(`mismatched end tag at ${i}: ${rest().slice(0, 30)}`);
      i += m[0].length;
      if (stack.length === 0) {
        ws();
        if (i < xml.length) throw new Error(`content after the root element at ${i}`);
      }
    } else if (xml[i] === '<') {
      i++;
      const name = NAME.exec(rest())?.[0];
      if (!name) throw new Error(`bad tag name at ${i}`);
      i += name.length;
      const el: XmlElement = { name, attrs: {}, children: [], text: '' };
      for (;;) {
        const before = i;
        ws();
        if (xml.startsWith('/>', i) || xml[i] === '>') break;
        if (i === before) throw new Error(`no space before attribute at ${i}`);
        const a = /^([A-Za-z_:][A-Za-z0-9_.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(rest());
        if (!a) throw new Error(`bad attribute at ${i}: ${rest().slice(0, 30)}`);
        if (a[1]! in el.attrs) throw new Error(`duplicate attribute ${a[1]}`);
        const raw = a[2] ?? a[3] ?? '';
        // Well-formed, but a parser would normalise raw whitespace to spaces: the renderer must use references.
        if (/[\t\n\r]/.test(raw)) throw new Error(`raw tab or newline in attribute ${a[1]}`);
        el.attrs[a[1]!] = decode(raw, `attribute ${a[1]}`);
        i += a[0].length;
      }
      if (stack.length) stack[stack.length - 1]!.children.push(el);
      else if (root) throw new Error('two root elements');
      else root = el;
      if (xml.startsWith('/>', i)) {
        i += 2;
        if (stack.length === 0) {
          ws();
          if (i < xml.length) throw new Error('content after the root element');
        }
      } else {
        i++;
        stack.push(el);
      }
    } else {
      const end = xml.indexOf('<', i);
      const raw = xml.slice(i, end < 0 ? xml.length : end);
      if (stack.length === 0) throw new Error(`text outside the root element at ${i}`);
      if (raw.includes(']]>')) throw new Error(']]> in character data');
      stack[stack.length - 1]!.text += decode(raw, `text of ${stack[stack.length - 1]!.name}`);
      i += raw.length;
    }
  }
  if (stack.length || !root) throw new Error('unclosed element');
  return root;
}

export function all(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...all(c, name)]);
}
