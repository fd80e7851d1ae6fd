// src/cli/args.ts: what the user typed, validated before any AWS call. Each pattern against a reference written
// without regular expressions, on thousands of random and hostile strings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { formatInArgs, idHint, INSTANCE_ID, MANAGED_NODE_ID, REGION, invalidInstanceIds, isManagedNode, quote, tagSuggestion } from '../src/cli/args.js';
import { knownRegions } from '../src/cli/regions.js';

const HEX = '0123456789abcdef';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const only = (s: string, alphabet: string) => [...s].every((c) => alphabet.includes(c));

/** Reference: `i-` and 8 or 17 lowercase hex digits. */
export function isInstanceIdRef(s: string): boolean {
  if (!s.startsWith('i-')) return false;
  const rest = s.slice(2);
  return (rest.length === 8 || rest.length === 17) && only(rest, HEX);
}

/** Reference: `mi-` and 17 lowercase hex digits. */
export function isManagedNodeRef(s: string): boolean {
  return s.startsWith('mi-') && s.length === 20 && only(s.slice(3), HEX);
}

/** Reference: `area-word[-word[-word]]-N`: area 2 to 4 lowercase letters, words lowercase, N one or two digits. */
export function isRegionRef(s: string): boolean {
  const parts = s.split('-');
  if (parts.length < 3 || parts.length > 5) return false;
  const area = parts[0]!;
  const num = parts[parts.length - 1]!;
  const words = parts.slice(1, -1);
  if (area.length < 2 || area.length > 4 || !only(area, LOWER)) return false;
  if (!words.every((w) => w.length > 0 && only(w, LOWER))) return false;
  return num.length >= 1 && num.length <= 2 && only(num, DIGITS);
}

const hexString = (min: number, max: number) =>
  fc.array(fc.constantFrom(...HEX), { minLength: min, maxLength: max }).map((a) => a.join(''));
/** Near misses and plain garbage. */
const idLike = fc.oneof(
  fc.tuple(fc.constantFrom('i-', 'mi-', 'I-', 'i_', 'i', '', 'mi', 'i--', ' i-', 'sg-'), hexString(0, 20)).map(([p, h]) => p + h),
  fc.tuple(fc.constantFrom('i-', 'mi-'), fc.constantFrom(8, 17), fc.nat()).map(([p, n, seed]) => {
    // Right length, one character changed: uppercase, non-hex letter, unicode digit, whitespace, NUL-free control.
    const h = [...Array(n)].map((_, i) => HEX[(seed + i * 7) % 16]).join('');
    const at = seed % n;
    const bad = ['A', 'F', 'g', 'z', '٣', ' ', '\t', '\n', '$', '０'][seed % 10]!;
    return p + h.slice(0, at) + bad + h.slice(at + 1);
  }),
  fc.tuple(fc.constantFrom('i-', 'mi-'), hexString(8, 17), fc.constantFrom('', '\n', ' ', '\r\n', '\u0000', ';rm -rf /', '$(id)', '`id`', '/../x')).map(
    ([p, h, tail]) => p + h + tail,
  ),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 25 }),
  fc.string({ unit: 'binary', maxLength: 25 }),
);

const regionLike = fc.oneof(
  fc.tuple(
    fc.constantFrom('us', 'eu', 'ap', 'cn', 'US', 'u', 'use', '', 'ab'),
    fc.constantFrom('', '-gov', '-iso', '-isob', '-isobb', '-iso9', '-GOV', '--'),
    fc.constantFrom('-east', '-southeast', '-', '-East', '-east2', '-ê', ''),
    fc.constantFrom('-1', '-12', '-123', '-', '', '-0', '-١', '1'),
    fc.constantFrom('', '\n', ' ', '-1', '/x'),
  ).map((xs) => xs.join('')),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
);

describe('INSTANCE_ID / MANAGED_NODE_ID / invalidInstanceIds', () => {
  it('agree with the reference on near misses and garbage', () => {
    fc.assert(
      fc.property(idLike, (s) => {
        expect(INSTANCE_ID.test(s)).toBe(isInstanceIdRef(s));
        expect(MANAGED_NODE_ID.test(s)).toBe(isManagedNodeRef(s));
        expect(isManagedNode(s)).toBe(isManagedNodeRef(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('accept every well-formed id', () => {
    fc.assert(
      fc.property(hexString(8, 8), hexString(17, 17), (a, b) => {
        expect(INSTANCE_ID.test(`i-${a}`)).toBe(true);
        expect(INSTANCE_ID.test(`i-${b}`)).toBe(true);
        expect(MANAGED_NODE_ID.test(`mi-${b}`)).toBe(true);
        expect(invalidInstanceIds([`i-${a}`, `i-${b}`, `mi-${b}`])).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('invalidInstanceIds keeps exactly the invalid ones, in order, duplicates included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(idLike, hexString(8, 8).map((h) => `i-${h}`)), { maxLength: 12 }), (ids) => {
        expect(invalidInstanceIds(ids)).toEqual(ids.filter((s) => !isInstanceIdRef(s) && !isManagedNodeRef(s)));
      }),
      { numRuns: 3000 },
    );
  });

  it('handles very long input (no catastrophic backtracking: this would time out)', () => {
    const long = `i-${'0'.repeat(200_000)}`;
    expect(INSTANCE_ID.test(long)).toBe(false);
    expect(REGION.test(`us-${'a'.repeat(200_000)}-1x`)).toBe(false);
    expect(REGION.test(`${'ab-'.repeat(50_000)}1`)).toBe(false);
  });
});

describe('REGION', () => {
  it('agrees with the reference', () => {
    fc.assert(
      fc.property(regionLike, (s) => {
        expect(REGION.test(s)).toBe(isRegionRef(s));
      }),
      { numRuns: 20_000 },
    );
  });

  it('accepts the real region names', () => {
    for (const r of [
      'us-east-1', 'us-west-2', 'eu-central-2', 'ap-southeast-5', 'ca-west-1', 'me-central-1', 'il-central-1', 'mx-central-1',
      'us-gov-west-1', 'us-gov-east-1', 'cn-north-1', 'cn-northwest-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1',
      'eusc-de-east-1', ...knownRegions(),
    ]) {
      expect(REGION.test(r), r).toBe(true);
      expect(isRegionRef(r), r).toBe(true);
    }
  });
});

describe('quote', () => {
  const printable = (s: string) => /^[\x20-\x7e]*$/.test(s);

  it('always gives one line of printable ASCII: a JSON string of at most 40 characters', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 60 }), idLike), (s) => {
        const q = quote(s);
        expect(printable(q)).toBe(true);
        const inner = JSON.parse(q) as string;
        expect(printable(inner)).toBe(true);
        expect(inner.length).toBeLessThanOrEqual(40);
        expect(q.startsWith('"') && q.endsWith('"')).toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });

  it('keeps short printable input as it is, and shortens long input with an ellipsis', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~'), maxLength: 80 }), (s) => {
        const inner = JSON.parse(quote(s)) as string;
        if (s.length <= 40) expect(inner).toBe(s);
        else expect(inner).toBe(`${s.slice(0, 37)}...`);
      }),
      { numRuns: 5000 },
    );
  });

  it('neutralises control characters, escapes and non-ASCII', () => {
    expect(quote('a\nb\u001b[31mc\u0000')).toBe('"a?b?[31mc?"');
    expect(quote('é')).toBe('"?"');
    expect(quote('"\\')).toBe('"\\"\\\\"');
    expect(quote('')).toBe('""');
  });
});

describe('idHint (what the user probably meant)', () => {
  it.each([
    ['https://us-east-1.console.aws.amazon.com/ec2/home?region=us-east-1#InstanceDetails:instanceId=i-0123456789abcdef0', 'did you mean i-0123456789abcdef0?'],
    ['https://console.aws.amazon.com/ec2/v2/home?region=eu-west-1#Instances:instanceId=i-0aaa11112222333aa;sort=desc', 'did you mean i-0aaa11112222333aa?'],
    ['https://us-east-1.console.aws.amazon.com/systems-manager/managed-instances/mi-0123456789abcdef0/description', 'did you mean mi-0123456789abcdef0?'],
    ['I-0123456789ABCDEF0', 'instance ids are lowercase: i-0123456789abcdef0'],
    ['i-0123456789ABCDEF0', 'instance ids are lowercase: i-0123456789abcdef0'],
    ['MI-0123456789ABCDEF0', 'node ids are lowercase: mi-0123456789abcdef0'],
    ['i-0aaa11112222333aa,i-0bbb11112222333bb', 'separate ids with spaces: i-0aaa11112222333aa i-0bbb11112222333bb'],
    ['i-0aaa11112222333aa, mi-0bbb11112222333bb', 'separate ids with spaces: i-0aaa11112222333aa mi-0bbb11112222333bb'],
    ['i-aaa,i-bbb', 'separate ids with spaces'],
    [' i-0123456789abcdef0\n', 'did you mean i-0123456789abcdef0?'],
    ['app-server-1', 'did you mean --tag Name=app-server-1?'],
  ])('%j -> %j', (word, hint) => {
    expect(invalidInstanceIds([word])).toEqual([word]);
    expect(idHint(word)).toBe(hint);
  });

  it.each(['i-123', 'sg-0abc1234', 'https://example.com/ami-0123456789abcdef0', 'https://console.aws.amazon.com/ec2/home#Instances:', 'i-0123456789abcdef0abc', ''])('no hint for %j', (word) => {
    expect(idHint(word)).toBeUndefined();
  });

  it('never suggests anything but valid ids or a tag, on random and hostile words', () => {
    fc.assert(
      fc.property(fc.oneof(idLike, fc.string({ maxLength: 60 }).map((s) => `https://console/x?instanceId=${s}`)), (word) => {
        const hint = idHint(word);
        if (hint === undefined) return;
        const m = /^(?:did you mean |instance ids are lowercase: |node ids are lowercase: |separate ids with spaces: ?)(.*?)\??$/s.exec(hint);
        expect(m, hint).not.toBeNull();
        const suggested = m![1]!;
        if (suggested.startsWith('--tag ')) expect(suggested).toBe(tagSuggestion(word));
        else for (const id of suggested.split(' ').filter(Boolean)) expect(INSTANCE_ID.test(id) || MANAGED_NODE_ID.test(id), id).toBe(true);
        expect(hint).not.toMatch(/[\u0000-\u001f\u007f\u2028\u2029]/);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('tagSuggestion (a Name where an id belongs)', () => {
  it.each([
    ['app-server-1', '--tag Name=app-server-1'],
    ['web.prod', '--tag Name=web.prod'],
    ['my server', "--tag 'Name=my server'"],
    ["it's", "--tag 'Name=it'\\''s'"],
    ['web-*', "--tag 'Name=web-*'"],
    ['Env=prod', '--tag Env=prod'],
    ['ウェブ', "--tag 'Name=ウェブ'"],
  ])('%s -> %s', (word, hint) => {
    expect(tagSuggestion(word)).toBe(hint);
  });

  it.each(['i-123', 'I-0123456789ABCDEF0', 'mi-12', 'sg-0abc1234', 'vpc-0a1b2c3d', '0123456789abcdef0', 'arn:aws:ec2:us-east-1:1:instance/i-1', '', ' ', 'Name=', '=x', 'a\u001b[31m', 'a\u202eb', 'a\u2028b', 'x'.repeat(200), 'help'])(
    'no hint for %j',
    (word) => {
      expect(tagSuggestion(word)).toBeUndefined();
    },
  );

  it('the suggestion survives the shell: bash gives back exactly the tag', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), (word) => {
        const hint = tagSuggestion(word);
        if (!hint) return;
        const out = execFileSync('bash', ['-c', `printf '%s' ${hint.slice('--tag '.length)}`], { encoding: 'utf8' });
        expect(out).toBe(word.includes('=') ? word : `Name=${word}`);
      }),
      { numRuns: 60 },
    );
  });
});

describe('formatInArgs (the format of a run that failed to parse)', () => {
  it.each([
    [['--format', 'junit', 'x'], 'junit'],
    [['--format=github'], 'github'],
    [['--format', 'junit', '--format', 'github'], 'github'],
    [['--json'], 'json'],
    [['--json', '--format', 'json'], 'json'],
    [['--json', '--format', 'junit'], undefined],
    [['--', '--format', 'junit'], undefined],
    [['--format'], undefined],
    [[], undefined],
  ])('%j -> %s', (argv, format) => {
    expect(formatInArgs(argv)).toBe(format);
  });
});
