// Parsing of --tag, --filter and --wait durations (src/cli/select.ts): what the user typed, before any request.
import { describe, expect, it } from 'vitest';
import {
  describeSelection,
  emptySelection,
  formatDuration,
  hasSelection,
  parseDuration,
  parseFilter,
  parseTag,
  SELECTABLE_STATES,
  selectionFilters,
  SelectionSyntaxError,
} from '../src/cli/select.js';

describe('--tag', () => {
  it.each([
    ['Env=prod', { Name: 'tag:Env', Values: ['prod'] }],
    ['Env=prod*', { Name: 'tag:Env', Values: ['prod*'] }],
    ['aws:cloudformation:stack-name=web', { Name: 'tag:aws:cloudformation:stack-name', Values: ['web'] }],
    ['k=a=b', { Name: 'tag:k', Values: ['a=b'] }],
    ['Team Name=Data Platform', { Name: 'tag:Team Name', Values: ['Data Platform'] }],
    ['Env', { Name: 'tag-key', Values: ['Env'] }],
  ])('%s', (raw, expected) => {
    expect(parseTag(raw)).toEqual(expected);
  });

  it.each([
    ['', /Key=Value or Key/],
    ['=prod', /no key/],
    ['Env=', /empty value: use --tag Env/],
    ['Env=a\nb', /control characters/],
    [`${'k'.repeat(129)}=v`, /at most 128/],
    [`k=${'v'.repeat(257)}`, /at most 256/],
  ])('rejects %j', (raw, message) => {
    expect(() => parseTag(raw)).toThrow(SelectionSyntaxError);
    expect(() => parseTag(raw)).toThrow(message);
  });
});

describe('--filter', () => {
  it.each([
    ['Name=vpc-id,Values=vpc-1', { Name: 'vpc-id', Values: ['vpc-1'] }],
    ['Name=vpc-id,Values=vpc-1,vpc-2', { Name: 'vpc-id', Values: ['vpc-1', 'vpc-2'] }],
    ['name=subnet-id,values=subnet-1', { Name: 'subnet-id', Values: ['subnet-1'] }],
    ['Name=tag:Env,Values=prod,staging', { Name: 'tag:Env', Values: ['prod', 'staging'] }],
    ['Name=tag:Team Name,Values=x', { Name: 'tag:Team Name', Values: ['x'] }],
    ['Name=instance.group-id,Values=sg-1', { Name: 'instance.group-id', Values: ['sg-1'] }],
    ['{"Name":"vpc-id","Values":["vpc-1","vpc-2"]}', { Name: 'vpc-id', Values: ['vpc-1', 'vpc-2'] }],
  ])('%s', (raw, expected) => {
    expect(parseFilter(raw)).toEqual(expected);
  });

  it.each([
    ['vpc-id=vpc-1', /expected Name=<filter>,Values=/],
    ['Name=vpc-id', /expected Name=<filter>,Values=/],
    ['Values=vpc-1,Name=vpc-id', /expected Name=<filter>,Values=/],
    ['Name=,Values=x', /is not a filter name/],
    ['Name=vpc id,Values=x', /is not a filter name/],
    ['Name=tag:,Values=x', /is not a filter name/],
    ['Name=vpc-id,Values=', /non-empty/],
    ['Name=vpc-id,Values=a,,b', /non-empty/],
    ['{"Name":"vpc-id"', /not valid JSON/],
    ['{"Name":"vpc-id","Values":"vpc-1"}', /JSON needs/],
    [`Name=vpc-id,Values=${Array.from({ length: 201 }, (_, i) => `v${i}`).join(',')}`, /at most 200/],
  ])('rejects %j', (raw, message) => {
    expect(() => parseFilter(raw)).toThrow(SelectionSyntaxError);
    expect(() => parseFilter(raw)).toThrow(message);
  });
});

describe('the selection', () => {
  it('is empty by default', () => {
    expect(hasSelection(emptySelection())).toBe(false);
  });

  it('--all-running keeps running instances only', () => {
    const s = { ...emptySelection(), allRunning: true };
    expect(hasSelection(s)).toBe(true);
    expect(selectionFilters(s)).toEqual([{ Name: 'instance-state-name', Values: ['running'] }]);
    expect(describeSelection(s)).toBe('--all-running');
  });

  it('tags and filters are ANDed; terminated and shutting-down instances are left out by default', () => {
    const s = { tags: [parseTag('Env=prod'), parseTag('Owner')], filters: [parseFilter('Name=vpc-id,Values=vpc-1,vpc-2')], allRunning: false };
    expect(selectionFilters(s)).toEqual([
      { Name: 'tag:Env', Values: ['prod'] },
      { Name: 'tag-key', Values: ['Owner'] },
      { Name: 'vpc-id', Values: ['vpc-1', 'vpc-2'] },
      { Name: 'instance-state-name', Values: SELECTABLE_STATES },
    ]);
    expect(SELECTABLE_STATES).not.toContain('terminated');
    expect(describeSelection(s)).toBe('--tag Env=prod --tag Owner --filter Name=vpc-id,Values=vpc-1,vpc-2');
  });

  it('an explicit instance-state-name filter replaces the default state filter', () => {
    const s = { ...emptySelection(), filters: [parseFilter('Name=instance-state-name,Values=terminated')] };
    expect(selectionFilters(s)).toEqual([{ Name: 'instance-state-name', Values: ['terminated'] }]);
  });
});

describe('durations', () => {
  it.each([
    ['30s', 30_000],
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2m30s', 150_000],
    ['45', 45_000],
    ['10M', 600_000],
    ['24h', 86_400_000],
  ])('%s', (raw, ms) => {
    expect(parseDuration(raw)).toBe(ms);
  });

  it.each([['', /expected e\.g\. 30s/], ['5x', /expected/], ['m', /expected/], ['1.5m', /expected/], ['-5m', /expected/], ['0s', /at least 1s/], ['25h', /at most 24h/], ['i-0123456789abcdef0', /expected/]])(
    'rejects %j',
    (raw, message) => {
      expect(() => parseDuration(raw)).toThrow(SelectionSyntaxError);
      expect(() => parseDuration(raw)).toThrow(message);
    },
  );

  it.each([
    [0, '0s'],
    [999, '1s'],
    [90_000, '1m30s'],
    [600_000, '10m'],
    [3_900_000, '1h5m'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
