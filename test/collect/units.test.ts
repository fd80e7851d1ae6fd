import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EC2Client, RebootInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { toApiError, shortMessage } from '../../src/collect/errors.js';
import { createLimiter } from '../../src/collect/limiter.js';
import { collectLocal, isCi, linuxPackageFormat } from '../../src/collect/local.js';
import { decodePolicy, dhmcRoleValue, lastSegment, parsePreferences } from '../../src/collect/map.js';
import { RebootError, rebootInstances } from '../../src/collect/reboot.js';

const named = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${name} happened\nsecond line`), { name }, extra);

describe('toApiError', () => {
  it.each([
    ['AccessDenied', 'denied'],
    ['UnauthorizedOperation', 'denied'],
    ['AccessDeniedException', 'denied'],
    ['Throttling', 'throttled'],
    ['ThrottlingException', 'throttled'],
    ['RequestLimitExceeded', 'throttled'],
    ['TooManyRequests', 'throttled'],
    ['TimeoutError', 'timeout'],
    ['RequestTimeout', 'timeout'],
    ['AbortError', 'timeout'],
    ['ExpiredToken', 'credentials'],
    ['ExpiredTokenException', 'credentials'],
    ['InvalidClientTokenId', 'credentials'],
    ['UnrecognizedClientException', 'credentials'],
    ['AuthFailure', 'credentials'],
    ['SignatureDoesNotMatch', 'credentials'],
    ['CredentialsProviderError', 'credentials'],
    ['InvalidVpcID.NotFound', 'other'],
  ])('%s => %s', (name, kind) => {
    expect(toApiError('ec2:DescribeVpcs', named(name))).toEqual({
      api: 'ec2:DescribeVpcs',
      code: name,
      message: `${name} happened`,
      kind,
    });
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET'])('a plain Error with code %s => network', (code) => {
    const e = Object.assign(new Error(`connect ${code} 127.0.0.1:443`), { code });
    expect(toApiError('sts:GetCallerIdentity', e)).toEqual({
      api: 'sts:GetCallerIdentity',
      code,
      message: `connect ${code} 127.0.0.1:443`,
      kind: 'network',
    });
  });

  it('ETIMEDOUT => timeout; non-errors do not crash', () => {
    expect(toApiError('x:Y', Object.assign(new Error('t'), { code: 'ETIMEDOUT' })).kind).toBe('timeout');
    expect(toApiError('x:Y', 'boom')).toEqual({ api: 'x:Y', code: 'UnknownError', message: 'boom', kind: 'other' });
    expect(toApiError('x:Y', undefined).kind).toBe('other');
  });

  it('keeps messages short and masks access key ids', () => {
    expect(shortMessage('The security token AKIAABCDEFGHIJKLMNOP is invalid')).toBe('The security token AKIA… is invalid');
    expect(shortMessage('x'.repeat(1000)).length).toBeLessThanOrEqual(240);
  });
});

describe('createLimiter', () => {
  it('never runs more than max at once and runs everything', async () => {
    const stats = { peak: 0 };
    const limit = createLimiter(3, stats);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, (i % 4) + 1));
          active--;
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(stats.peak).toBe(3);
  });

  it('releases the slot when a function throws', async () => {
    const limit = createLimiter(1);
    await expect(limit(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(limit(async () => 42)).resolves.toBe(42);
  });
});

describe('mapping helpers', () => {
  it('dhmcRoleValue', () => {
    expect(dhmcRoleValue('$None')).toBeNull();
    expect(dhmcRoleValue('')).toBeNull();
    expect(dhmcRoleValue(undefined)).toBeNull();
    expect(dhmcRoleValue('service-role/Foo')).toBe('service-role/Foo');
    expect(dhmcRoleValue('arn:aws:iam::111122223333:role/service-role/Foo')).toBe('service-role/Foo');
    expect(lastSegment('service-role/Foo')).toBe('Foo');
    expect(lastSegment('arn:aws:iam::1:instance-profile/path/to/p')).toBe('p');
  });

  it('decodePolicy decodes URL-encoded documents and accepts decoded ones', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::a%b/*' }] };
    expect(decodePolicy(encodeURIComponent(JSON.stringify(doc)))).toEqual(doc);
    expect(decodePolicy(JSON.stringify(doc))).toEqual(doc);
    expect(() => decodePolicy('%7Bnot')).toThrow();
  });

  it('parsePreferences tolerates a document without inputs', () => {
    expect(parsePreferences('{"schemaVersion":"1.0"}')).toEqual({});
  });
});

describe('collectLocal', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it.skipIf(process.platform === 'win32')('finds the plugin on PATH and reads its version', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'smp-'));
    const bin = path.join(dir, 'session-manager-plugin');
    await writeFile(bin, '#!/bin/sh\necho 1.2.677.0\n');
    await chmod(bin, 0o755);
    const local = await collectLocal({ env: { PATH: dir }, osRelease: '/nonexistent/os-release' });
    expect(local).toEqual({ platform: process.platform, arch: process.arch, ci: false, plugin: { found: true, path: bin, version: '1.2.677.0' } });
  });

  it('reports found:false when the plugin is not on PATH', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'smp-'));
    const local = await collectLocal({ env: { PATH: dir, CI: 'true' }, osRelease: '/nonexistent/os-release' });
    expect(local).toEqual({ platform: process.platform, arch: process.arch, ci: true, plugin: { found: false } });
  });

  it.each([
    ['ID=ubuntu\nID_LIKE=debian\n', 'deb'],
    ['ID="amzn"\nID_LIKE="centos rhel fedora"\n', 'rpm'],
    ['ID=rocky\nID_LIKE="rhel centos fedora"\n', 'rpm'],
    ['ID=arch\n', undefined],
  ])('reads the Linux package format from os-release (%j)', async (text, want) => {
    dir = await mkdtemp(path.join(tmpdir(), 'osr-'));
    await writeFile(path.join(dir, 'os-release'), text);
    expect(await linuxPackageFormat(path.join(dir, 'os-release'))).toBe(want);
  });

  it('isCi', () => {
    expect(isCi({})).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '1' })).toBe(true);
  });
});

describe('rebootInstances', () => {
  it('sends one ec2:RebootInstances with the ids (deduplicated)', async () => {
    const ec2 = mockClient(EC2Client);
    try {
      ec2.on(RebootInstancesCommand).resolves({});
      await rebootInstances({ region: 'us-east-1' }, ['i-1', 'i-2', 'i-1']);
      expect(ec2.commandCalls(RebootInstancesCommand).map((c) => c.args[0].input)).toEqual([{ InstanceIds: ['i-1', 'i-2'] }]);
      await rebootInstances({ region: 'us-east-1' }, []);
      expect(ec2.calls()).toHaveLength(1);
    } finally {
      ec2.restore();
    }
  });

  it('throws a RebootError carrying the ApiError', async () => {
    const ec2 = mockClient(EC2Client);
    try {
      ec2.on(RebootInstancesCommand).rejects(named('UnauthorizedOperation'));
      const err = await rebootInstances({ region: 'us-east-1' }, ['i-1']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RebootError);
      expect((err as RebootError).apiError).toEqual({
        api: 'ec2:RebootInstances',
        code: 'UnauthorizedOperation',
        message: 'UnauthorizedOperation happened',
        kind: 'denied',
      });
    } finally {
      ec2.restore();
    }
  });
});
