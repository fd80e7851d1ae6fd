// Least privilege, proven: the AWS commands the code can send are DERIVED from the source (not listed by
// hand), and policy/ssm-doctor-readonly.json must grant exactly those: every read in statement
// SsmDoctorRead, ec2:RebootInstances alone in SsmDoctorOptionalReboot. Any command that is not a read
// (Describe*, Get*, List*, Simulate*, Lookup*) fails the test, except RebootInstances in src/collect/reboot.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const POLICY_FILE = join(ROOT, 'policy', 'ssm-doctor-readonly.json');
/** Folders whose code ships (checks are pure and must send nothing, but are scanned all the same). */
const SCANNED = ['src', 'checks'];
const REBOOT_FILE = 'src/collect/reboot.ts';
const READ = /^(?:Describe|Get|List|Simulate|Lookup)[A-Z]/;

/** IAM action prefix of each SDK client package the code may use (`@aws-sdk/client-<name>`). */
const IAM_PREFIX: Record<string, string> = {
  ec2: 'ec2',
  ssm: 'ssm',
  iam: 'iam',
  sts: 'sts',
  kms: 'kms',
  's3': 's3',
  'cloudwatch-logs': 'logs',
  cloudtrail: 'cloudtrail',
};

/** Commands whose IAM action is not `<prefix>:<Command>` (S3 names its actions apart from its operations). */
const ACTION_OF: Record<string, string> = { 's3:GetBucketEncryption': 's3:GetEncryptionConfiguration' };
const actionOf = (prefix: string, command: string): string => ACTION_OF[`${prefix}:${command}`] ?? `${prefix}:${command}`;

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

interface Use {
  command: string;
  file: string;
  line: number;
}

interface Derived {
  /** `@aws-sdk/client-<name>` packages imported anywhere. */
  packages: string[];
  /** Every `XxxCommand` the code references, with where. */
  uses: Use[];
  /** IAM action (`ec2:DescribeVpcs`) of each distinct command. */
  actions: Map<string, Use[]>;
  /** Labels (`'ec2:DescribeVpcs'`) passed to the collector's reader, each with the command sent under it. */
  labels: { label: string; command: string | undefined; file: string; line: number }[];
  problems: string[];
}

const LABEL = /^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/;

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  node.forEachChild((c) => walk(c, visit));
}

/** `Foo` for `new FooCommand(...)`, `new sdk.ec2.FooCommand(...)`, `new m.FooCommand(...)`. */
function commandOf(n: ts.Node): string | undefined {
  if (!ts.isNewExpression(n)) return undefined;
  const callee = ts.isPropertyAccessExpression(n.expression) ? n.expression.name : n.expression;
  return ts.isIdentifier(callee) && /Command$/.test(callee.text) ? callee.text.slice(0, -'Command'.length) : undefined;
}

/** The first command constructed anywhere inside `n`. */
function firstCommandIn(n: ts.Node): string | undefined {
  let found: string | undefined;
  walk(n, (c) => (found ??= commandOf(c)));
  return found;
}

/** The string a `const` in scope gives identifier `id`, or undefined (a parameter, a non-literal, unknown). */
function constString(id: ts.Identifier): string | undefined {
  for (let p: ts.Node | undefined = id.parent; p; p = p.parent) {
    if (ts.isFunctionLike(p) && p.parameters.some((x) => ts.isIdentifier(x.name) && x.name.text === id.text)) return undefined;
    if (!ts.isBlock(p) && !ts.isSourceFile(p)) continue;
    for (const st of p.statements) {
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) {
        if (ts.isIdentifier(d.name) && d.name.text === id.text) {
          return d.initializer && ts.isStringLiteralLike(d.initializer) ? d.initializer.text : undefined;
        }
      }
    }
  }
  return undefined;
}

/** The code that ships, path relative to the repository. */
function sourceFiles(): { path: string; text: string }[] {
  return SCANNED.flatMap((d) => tsFiles(join(ROOT, d))).map((p) => ({ path: relative(ROOT, p).split('\\').join('/'), text: readFileSync(p, 'utf8') }));
}

async function derive(sources: { path: string; text: string }[]): Promise<Derived> {
  const files = sources.map((f) => ({ ...f, ast: ts.createSourceFile(f.path, f.text, ts.ScriptTarget.ES2022, true) }));
  const problems: string[] = [];
  const lineOf = (f: (typeof files)[number], n: ts.Node) => f.ast.getLineAndCharacterOfPosition(n.getStart(f.ast)).line + 1;

  // 1. Which SDK clients the code uses (static, dynamic and type imports), loaded so every name can be
  //    checked against what they export.
  const packages = [...new Set(files.flatMap((f) => [...f.text.matchAll(/['"]@aws-sdk\/client-([a-z0-9-]+)['"]/g)].map((m) => m[1]!)))].sort();
  const modules = new Map<string, Record<string, unknown>>();
  for (const name of packages) {
    if (!IAM_PREFIX[name]) problems.push(`@aws-sdk/client-${name} is used but this test does not know its IAM action prefix: add it to IAM_PREFIX`);
    modules.set(name, (await import(`@aws-sdk/client-${name}`)) as Record<string, unknown>);
  }
  const owners = (id: string) =>
    packages.filter((p) => {
      const m = modules.get(p)!;
      return Object.hasOwn(m, id) && typeof m[id] === 'function';
    });

  // 2. Every identifier of the code (not strings, not comments) that names a runtime export of an SDK client
  //    must be a client or a command: no aggregated clients (`new EC2()`), paginators or waiters, which send
  //    requests this scan would not see. Modeled exception classes are fine (instanceof checks).
  const uses: Use[] = [];
  for (const f of files) {
    walk(f.ast, (n) => {
      const built = commandOf(n);
      if (built && !owners(`${built}Command`).length) {
        problems.push(`${f.path}:${lineOf(f, n)}: new ${built}Command(...) is not a command of the SDK clients imported (${packages.join(', ') || 'none'})`);
      }
      if (!ts.isIdentifier(n)) return;
      const id = n.text;
      const from = owners(id);
      if (!from.length) return;
      if (id.endsWith('Command')) {
        if (from.length > 1) problems.push(`${f.path}:${lineOf(f, n)}: ${id} exists in several clients (${from.join(', ')}): cannot tell its IAM action`);
        uses.push({ command: id.slice(0, -'Command'.length), file: f.path, line: lineOf(f, n) });
        return;
      }
      if (id.endsWith('Client')) return;
      const value = modules.get(from[0]!)![id] as { prototype?: unknown };
      if (value.prototype instanceof Error) return;
      problems.push(`${f.path}:${lineOf(f, n)}: ${id} from @aws-sdk/client-${from[0]} may send requests this test cannot derive; use XxxCommand`);
    });
  }

  const actions = new Map<string, Use[]>();
  for (const u of uses) {
    const pkg = owners(`${u.command}Command`)[0]!;
    const action = actionOf(IAM_PREFIX[pkg] ?? pkg, u.command);
    actions.set(action, [...(actions.get(action) ?? []), u]);
  }

  // 3. The collector's labels: `x.read('ec2:DescribeVpcs', ...)`, `x.pages(api, ...)` with `const api = '...'`,
  //    and `toApiError('ec2:RebootInstances', ...)`. Each must name the command sent under it.
  const labels: Derived['labels'] = [];
  for (const f of files) {
    walk(f.ast, (n) => {
      if (!ts.isCallExpression(n) || !n.arguments.length) return;
      const callee = ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : ts.isIdentifier(n.expression) ? n.expression.text : '';
      const first = n.arguments[0]!;
      if (callee === 'read' || callee === 'pages') {
        const label = ts.isStringLiteralLike(first) ? first.text : ts.isIdentifier(first) ? constString(first) : undefined;
        const command = n.arguments.slice(1).map(firstCommandIn).find(Boolean);
        // A label passed on (Reader.pages -> Reader.read) has neither a literal nor a command of its own.
        if (!label && !command) return;
        if (!label || !LABEL.test(label)) problems.push(`${f.path}:${lineOf(f, n)}: the reader is called with a label that is not a 'service:Action' string`);
        else labels.push({ label, command, file: f.path, line: lineOf(f, n) });
      } else if (callee === 'toApiError' && ts.isStringLiteralLike(first) && LABEL.test(first.text)) {
        // Outside the reader (reboot.ts): the label must name a command that same file sends.
        const action = first.text.split(':')[1]!;
        const sent = uses.some((u) => u.file === f.path && u.command === action);
        labels.push({ label: first.text, command: sent ? action : undefined, file: f.path, line: lineOf(f, n) });
      }
    });
  }
  return { packages, uses, actions, labels, problems };
}

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string[];
  Resource: string;
}
const policyText = readFileSync(POLICY_FILE, 'utf8');
const policy = JSON.parse(policyText) as { Version: string; Statement: Statement[] };
const statement = (sid: string) => policy.Statement.find((s) => s.Sid === sid);

describe('policy/ssm-doctor-readonly.json: exactly what the code sends', () => {
  let d: Derived;
  beforeAll(async () => {
    d = await derive(sourceFiles());
  });

  it('the scan itself: on made-up sources it finds commands, resolves labels, and flags what it cannot derive', async () => {
    const t = await derive([
      {
        path: 'src/a.ts',
        text: [
          "import type { EC2Client } from '@aws-sdk/client-ec2';",
          "import { paginateDescribeVpcs, EC2 } from '@aws-sdk/client-ec2';",
          "type Ssm = typeof import('@aws-sdk/client-ssm');",
          '// new this.sdk.ec2.DeleteVpcCommand(i) in a comment is not sent',
          "const s = 'TerminateInstancesCommand in a string is not sent';",
          'class C {',
          '  read(api: string) { return this.r.read(api, {}, send); }',
          "  a() { return this.r.read('ec2:DescribeVpcs', {}, (i) => ec2.send(new this.sdk.ec2.DescribeVpcsCommand(i))); }",
          "  b() { const api = 'ssm:GetDocument'; return this.r.pages(api, {}, (i) => ssm.send(new m.GetDocumentCommand(i)), page, next); }",
          "  c() { return this.r.read('ec2:DescribeSubnets', {}, (i) => ec2.send(new this.sdk.ec2.DescribeRouteTablesCommand(i))); }",
          '  d() { return ec2.send(new this.sdk.ec2.TerminateInstancesCommand({})); }',
          '  e() { return s3.send(new this.sdk.s3.PutObjectCommand({})); }',
          '}',
        ].join('\n'),
      },
    ]);
    expect([...t.actions.keys()].sort()).toEqual(['ec2:DescribeRouteTables', 'ec2:DescribeVpcs', 'ec2:TerminateInstances', 'ssm:GetDocument']);
    expect(t.labels.map((l) => `${l.label}=${l.command}`)).toEqual(['ec2:DescribeVpcs=DescribeVpcs', 'ssm:GetDocument=GetDocument', 'ec2:DescribeSubnets=DescribeRouteTables']);
    expect(t.problems.join('\n')).toMatch(/paginateDescribeVpcs .*use XxxCommand/);
    expect(t.problems.join('\n')).toMatch(/\bEC2 from @aws-sdk\/client-ec2/);
    expect(t.problems.join('\n')).toMatch(/new PutObjectCommand\(\.\.\.\) is not a command of the SDK clients imported/);
  });

  it('the derivation works: SDK clients and commands are found (fails loudly on zero), no unexplained SDK use', () => {
    expect(d.problems).toEqual([]);
    expect(d.packages.length, 'no @aws-sdk/client-* import found in src/: the scan is broken').toBeGreaterThan(0);
    expect(d.actions.size, 'no XxxCommand found in src/: the scan is broken').toBeGreaterThan(0);
    expect(d.labels.length, "no reader call with an 'ec2:DescribeXxx' label found: the scan is broken").toBeGreaterThan(0);
    // Sanity: calls every run makes are among them.
    for (const a of ['sts:GetCallerIdentity', 'ec2:DescribeInstances', 'ssm:DescribeInstanceInformation']) expect([...d.actions.keys()]).toContain(a);
  });

  it("every reader label names the command sent under it (so an error names the right permission)", () => {
    const wrong = d.labels.filter((l) => !l.command || l.label !== actionOf(l.label.split(':')[0]!, l.command));
    expect(wrong.map((l) => `${l.file}:${l.line}: '${l.label}' sends ${l.command ?? 'no command'}`)).toEqual([]);
    const labelled = new Set(d.labels.map((l) => l.label));
    expect([...d.actions.keys()].filter((a) => !labelled.has(a)), 'commands sent without an api label').toEqual([]);
    expect([...labelled].filter((l) => !d.actions.has(l)), 'labels for commands never sent').toEqual([]);
  });

  it('is a valid policy of two statements: SsmDoctorRead and SsmDoctorOptionalReboot', () => {
    expect(policy.Version).toBe('2012-10-17');
    expect(policy.Statement.map((s) => s.Sid)).toEqual(['SsmDoctorRead', 'SsmDoctorOptionalReboot']);
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      expect(s.Resource).toBe('*');
      expect(Array.isArray(s.Action)).toBe(true);
      expect(s.Action, 'sorted, no duplicates').toEqual([...new Set(s.Action)].sort());
      for (const a of s.Action) expect(a, 'one exact action, no wildcard').toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/);
      expect(Object.keys(s).sort()).toEqual(['Action', 'Effect', 'Resource', 'Sid']);
    }
    expect(statement('SsmDoctorOptionalReboot')!.Action).toEqual(['ec2:RebootInstances']);
    expect(policyText).toBe(`${JSON.stringify(policy, null, 2)}\n`);
  });

  it('(a) grants every command the code can send', () => {
    const granted = new Set(policy.Statement.flatMap((s) => s.Action));
    const missing = [...d.actions].filter(([a]) => !granted.has(a)).map(([a, u]) => `${a} (${u[0]!.file}:${u[0]!.line})`);
    expect(missing).toEqual([]);
  });

  it('(b) grants nothing the code never sends', () => {
    const extra = policy.Statement.flatMap((s) => s.Action).filter((a) => !d.actions.has(a));
    expect(extra).toEqual([]);
  });

  it('(c) every command is a read, except ec2:RebootInstances, sent only from src/collect/reboot.ts and only granted apart', () => {
    const mutating = [...d.actions.keys()].filter((a) => !READ.test(a.split(':')[1]!) && a !== 'ec2:RebootInstances');
    expect(mutating, 'only Describe*/Get*/List*/Simulate*/Lookup* commands may be sent').toEqual([]);
    const reboots = d.actions.get('ec2:RebootInstances') ?? [];
    expect(reboots.filter((u) => u.file !== REBOOT_FILE).map((u) => `${u.file}:${u.line}`)).toEqual([]);
    const read = statement('SsmDoctorRead')!.Action;
    expect(read.filter((a) => !READ.test(a.split(':')[1]!))).toEqual([]);
    expect(read).toContain('sts:GetCallerIdentity');
  });
});

describe('README: "Permissions ssm-doctor needs"', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /^## Permissions ssm-doctor needs\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';

  it('links the policy file', () => {
    expect(section).toContain('](policy/ssm-doctor-readonly.json)');
  });

  it('shows the policy inline, identical to the file', () => {
    const inline = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(inline, 'no ```json block in the section').toBeDefined();
    expect(inline).toBe(policyText);
  });
});
