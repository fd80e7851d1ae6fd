import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allChecks } from '../../checks/index.js';
import { failed, ok, type Facts, type Route } from '../../src/facts/facts.js';
import { buildReport } from '../../src/report/model.js';
import { drawPicture, hopMark, pathPictures, SEPARATOR, type PathPicture } from '../../src/report/path-picture.js';
import { renderText } from '../../src/report/text.js';
import { parseSnapshot } from '../../src/facts/snapshot.js';
import { IID, SG_EC2, SG_VPCE, SUBNET, VPC, agentOffline, denied, publicSubnet, val, world } from '../fixtures/world.js';

const pictures = (edit?: (f: Facts) => void) => pathPictures(world(edit), IID);
const of = (ps: PathPicture[], service: string) => {
  const p = ps.find((x) => x.service === service);
  if (!p) throw new Error(`no picture for ${service} (have ${ps.map((x) => x.service).join(', ')})`);
  return p;
};
const hop = (p: PathPicture, re: RegExp) => {
  const h = p.hops.find((x) => re.test(x.label));
  if (!h) throw new Error(`no hop ${re} in ${p.hops.map((x) => x.label).join(' | ')}`);
  return h;
};
const line = (p: PathPicture) => drawPicture(p, { prefix: `${p.service}: `, indent: '  ', width: 10_000 })[0]!;

const noEndpoints = (f: Facts) => (f.endpoints[VPC] = ok([]));
const route = (target: Route['target'], state = 'active') => (f: Facts) =>
  val(f.routeTables[VPC])[0]!.routes.push({ destinationCidr: '0.0.0.0/0', target, state });
const httpsOutToInternet = (f: Facts) =>
  val(f.securityGroups[SG_EC2]).egress.push({ protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: ['0.0.0.0/0'], ipv6Cidrs: [], groupIds: [], prefixListIds: [] });
const nat = (state = 'available', connectivityType = 'public') => (f: Facts) => {
  noEndpoints(f);
  httpsOutToInternet(f);
  route({ type: 'nat', id: 'nat-0abc' })(f);
  f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: 'subnet-0pub', state, connectivityType }]);
  publicSubnet()(f);
};

describe('pathPictures', () => {
  it('healthy world: ssm and ssmmessages (agent >= 3.3.40.0 skips ec2messages), every hop ✔', () => {
    const ps = pictures();
    expect(ps.map((p) => p.service)).toEqual(['ssm', 'ssmmessages']);
    for (const p of ps) {
      expect(p.ok).toBe(true);
      expect(p.hops.every((h) => h.ok === true)).toBe(true);
    }
    const l = line(of(ps, 'ssmmessages'));
    expect(l).toMatch(
      new RegExp(
        `^ssmmessages: ${IID} 10\\.0\\.1\\.10 ─ ${SG_EC2} egress 443 ✔ ─ acl-0default out 443 ✔ ─ vpce-\\w+ ssmmessages 10\\.0\\.2\\.15 ─ ` +
          `acl-0default in 443 ✔ ─ ${SG_VPCE} ingress 443 ✔ ─ acl-0default out 32768-60999 ✔ ─ acl-0default in 32768-60999 ✔ ─ private DNS ✔$`,
      ),
    );
  });

  it('old agent: ec2messages too; KMS / CloudWatch / S3 preferences add kms, logs, s3', () => {
    const ps = pictures((f) => {
      val(f.agents[IID])!.agentVersion = '3.2.582.0';
      f.preferences = ok({ kmsKeyId: 'alias/ssm', cloudWatchLogGroupName: 'sessions', s3BucketName: 'logs-bucket' });
    });
    expect(ps.map((p) => p.service)).toEqual(['ssm', 'ssmmessages', 'ec2messages', 'kms', 'logs', 's3']);
    // No kms endpoint and no default route: the kms chain stops at the route, ✖.
    expect(of(ps, 'kms').ok).toBe(false);
    expect(line(of(ps, 'kms'))).toContain('no kms endpoint, rtb-0main: no default route ✖');
  });

  it('S3 over a gateway endpoint on the instance route table', () => {
    const ps = pictures((f) => {
      f.preferences = ok({ s3BucketName: 'logs-bucket' });
      val(f.endpoints[VPC]).push({
        id: 'vpce-0s3gw', vpcId: VPC, serviceName: 'com.amazonaws.us-east-1.s3', type: 'Gateway', state: 'available', privateDnsEnabled: false,
        subnetIds: [], securityGroupIds: [], networkInterfaceIds: [], routeTableIds: ['rtb-0main'],
      });
      f.prefixLists['pl-63a5400a'] = ok({ id: 'pl-63a5400a', name: 'com.amazonaws.us-east-1.s3', cidrs: ['52.216.0.0/15'] });
      val(f.securityGroups[SG_EC2]).egress.push({ protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: [], ipv6Cidrs: [], groupIds: [], prefixListIds: ['pl-63a5400a'] });
    });
    const s3 = of(ps, 's3');
    expect(s3.ok).toBe(true);
    expect(line(s3)).toContain('rtb-0main → vpce-0s3gw (gateway) ─ s3.us-east-1.amazonaws.com');
  });

  it('endpoint SG without ingress: the ingress hop is ✖ and the chain is broken', () => {
    const ps = pictures((f) => {
      val(f.securityGroups[SG_VPCE]).ingress = [];
    });
    const p = of(ps, 'ssmmessages');
    expect(p.ok).toBe(false);
    expect(hop(p, /ingress 443/)).toMatchObject({ label: `${SG_VPCE} ingress 443`, ok: false });
    expect(hop(p, /egress 443/).ok).toBe(true);
  });

  it('NACL block: the acl hop is ✖ and names the rule', () => {
    const ps = pictures((f) => {
      val(f.networkAcls[VPC])[0]!.entries.push({ ruleNumber: 50, egress: false, protocol: '6', action: 'deny', cidr: '10.0.2.0/24', portRange: { from: 1024, to: 65535 } });
    });
    const p = of(ps, 'ssm');
    expect(p.ok).toBe(false);
    expect(hop(p, /in 32768-60999/)).toEqual({ label: 'acl-0default in 32768-60999 rule 50', ok: false });
    expect(hop(p, /in 443/).ok).toBe(true);
    expect(line(p)).toContain('acl-0default in 32768-60999 rule 50 ✖');
  });

  it('the implicit deny is named `rule *`', () => {
    const ps = pictures((f) => {
      const acl = val(f.networkAcls[VPC])[0]!;
      acl.entries = acl.entries.filter((e) => !(e.egress && e.ruleNumber === 100));
    });
    expect(hop(of(ps, 'ssm'), /out 443/)).toEqual({ label: 'acl-0default out 443 rule *', ok: false });
  });

  it('NAT path: instance ─ sg egress ─ acl out ─ route → nat ─ NAT subnet ACL ─ public endpoint ─ replies', () => {
    const p = of(pictures(nat()), 'ssmmessages');
    expect(p.ok).toBe(true);
    expect(p.hops.map((h) => h.label)).toEqual([
      `${IID} 10.0.1.10`,
      `${SG_EC2} egress 443`,
      'acl-0default out 443',
      'rtb-0main → nat-0abc',
      'acl-0default in 443',
      'acl-0default out 443',
      'ssmmessages.us-east-1.amazonaws.com',
      'acl-0default in 1024-65535',
      'acl-0default out 32768-60999',
      'acl-0default in 32768-60999',
    ]);
  });

  it('NAT path: a failed NAT gateway is ✖ and ends the chain; an SG without HTTPS to the internet is ✖', () => {
    const failedNat = of(pictures(nat('failed')), 'ssm');
    expect(failedNat.ok).toBe(false);
    expect(failedNat.hops.at(-1)).toMatchObject({ label: 'rtb-0main → nat-0abc failed', ok: false });
    const noEgress = of(
      pictures((f) => {
        nat()(f);
        val(f.securityGroups[SG_EC2]).egress = [];
      }),
      'ssm',
    );
    expect(hop(noEgress, /egress 443/).ok).toBe(false);
  });

  it('internet gateway: with a public IP ✔, without one ✖', () => {
    const igw = (publicIp?: string) => (f: Facts) => {
      noEndpoints(f);
      httpsOutToInternet(f);
      route({ type: 'igw', id: 'igw-0abc' })(f);
      f.internetGateways[VPC] = ok([{ id: 'igw-0abc', attachments: [{ vpcId: VPC, state: 'available' }] }]);
      if (publicIp) val(f.instances[IID])!.publicIp = publicIp;
    };
    const withIp = of(pictures(igw('3.3.3.3')), 'ssm');
    expect(withIp.ok).toBe(true);
    expect(line(withIp)).toContain('rtb-0main → igw-0abc 3.3.3.3 ─ ssm.us-east-1.amazonaws.com');
    const without = of(pictures(igw()), 'ssm');
    expect(without.ok).toBe(false);
    expect(without.hops.at(-1)).toMatchObject({ label: 'no ssm endpoint, rtb-0main → igw-0abc, no public IP', ok: false });
  });

  it('transit gateway: the route hop is unknown, nothing past it is claimed', () => {
    const p = of(
      pictures((f) => {
        noEndpoints(f);
        route({ type: 'tgw', id: 'tgw-0abc' })(f);
        agentOffline(f);
      }),
      'ssmmessages',
    );
    expect(p.ok).toBeUndefined();
    expect(p.hops).toHaveLength(2);
    expect(p.hops[1]).toEqual({ label: 'rtb-0main → tgw-0abc (transit gateway, unproven)', place: true });
    expect(line(p)).toMatch(/unproven\) \?$/);
  });

  it('transit gateway with the agent Online and connected: its own connection proves the hop', () => {
    const p = of(
      pictures((f) => {
        noEndpoints(f);
        route({ type: 'tgw', id: 'tgw-0abc' })(f);
      }),
      'ssmmessages',
    );
    expect(p.hops[1]).toEqual({ label: 'rtb-0main → tgw-0abc (transit gateway, proven by the agent)', ok: true, place: true });
  });

  it('denied security-group read: the hop is ?, never ✔', () => {
    const p = of(
      pictures((f) => {
        f.securityGroups[SG_EC2] = failed(denied('ec2:DescribeSecurityGroups'));
      }),
      'ssm',
    );
    expect(p.ok).toBeUndefined();
    const h = hop(p, /egress 443/);
    expect(h.ok).toBeUndefined();
    expect(hopMark(h)).toBe('?');
    expect(line(p)).toContain(`${SG_EC2} egress 443 ?`);
  });

  it('unreadable endpoint ENIs, ACLs, DNS attributes or VPC endpoints: unknown hops', () => {
    const enis = of(pictures((f) => (f.endpointInterfaces[VPC] = failed(denied('ec2:DescribeNetworkInterfaces')))), 'ssm');
    expect(enis.ok).toBeUndefined();
    expect(hop(enis, /^vpce-/).ok).toBeUndefined();
    const acls = of(pictures((f) => (f.networkAcls[VPC] = failed(denied('ec2:DescribeNetworkAcls')))), 'ssm');
    expect(acls.ok).toBeUndefined();
    expect(hop(acls, /ACL out 443/).ok).toBeUndefined();
    const dns = of(pictures((f) => (f.vpcDnsAttributes[VPC] = failed(denied('ec2:DescribeVpcAttribute')))), 'ssm');
    expect(hop(dns, /private DNS/)).toEqual({ label: 'private DNS ?' });
    const eps = of(pictures((f) => (f.endpoints[VPC] = failed(denied('ec2:DescribeVpcEndpoints')))), 'ssm');
    expect(eps.ok).toBeUndefined();
    expect(eps.hops[1]!.label).toContain('ec2:DescribeVpcEndpoints');
  });

  it('private DNS: off with no way out ✖; off with a NAT fallback the endpoint is bypassed; custom DNS servers ?', () => {
    const off = of(pictures((f) => val(f.endpoints[VPC]).forEach((e) => (e.privateDnsEnabled = false))), 'ssm');
    expect(off.ok).toBe(false);
    expect(hop(off, /private DNS/)).toEqual({ label: 'private DNS off', ok: false });

    const bypass = of(
      pictures((f) => {
        val(f.endpoints[VPC]).forEach((e) => (e.privateDnsEnabled = false));
        httpsOutToInternet(f);
        route({ type: 'nat', id: 'nat-0abc' })(f);
        f.natGateways[VPC] = ok([{ id: 'nat-0abc', vpcId: VPC, subnetId: 'subnet-0pub', state: 'available', connectivityType: 'public' }]);
        publicSubnet()(f);
      }),
      'ssm',
    );
    expect(bypass.ok).toBe(true);
    expect(line(bypass)).toMatch(/rtb-0main → nat-0abc ─ .*ssm\.us-east-1\.amazonaws\.com .* ─ vpce-\w+ bypassed \(private DNS off\)$/);

    const custom = of(pictures((f) => (f.dhcpOptions['dopt-0abc'] = ok({ id: 'dopt-0abc', domainNameServers: ['192.168.1.10'] }))), 'ssm');
    expect(custom.ok).toBeUndefined();
    expect(hop(custom, /private DNS/)).toEqual({ label: 'private DNS (custom DNS servers)' });
  });

  it('a pending endpoint is where the path breaks', () => {
    const p = of(pictures((f) => (val(f.endpoints[VPC]).find((e) => e.serviceName.endsWith('.ssm'))!.state = 'pending')), 'ssm');
    expect(p.ok).toBe(false);
    expect(hop(p, /^vpce-/)).toMatchObject({ ok: false, place: true });
    expect(hop(p, /^vpce-/).label).toMatch(/pending$/);
  });

  it('endpoint SG admitting only a secondary ENI: unknown, as security-group.endpoint-ingress warns', () => {
    const p = of(
      pictures((f) => {
        const inst = val(f.instances[IID])!;
        inst.networkInterfaces.push({ id: 'eni-0second', deviceIndex: 1, subnetId: SUBNET, privateIps: ['10.0.1.77'], ipv6s: [], securityGroupIds: [SG_EC2] });
        val(f.securityGroups[SG_VPCE]).ingress = [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrs: ['10.0.1.77/32'], ipv6Cidrs: [], groupIds: [], prefixListIds: [] }];
      }),
      'ssm',
    );
    expect(p.ok).toBeUndefined();
    expect(hop(p, /ingress 443/)).toEqual({ label: `${SG_VPCE} ingress 443 (another ENI only)` });
  });

  it('IPv6-only instance: the IPv4 path is not judged, the chain is unknown', () => {
    const p = of(
      pictures((f) => {
        const inst = val(f.instances[IID])!;
        delete inst.privateIp;
        inst.networkInterfaces[0]!.privateIps = [];
        inst.networkInterfaces[0]!.ipv6s = ['2600:1f18::10'];
      }),
      'ssm',
    );
    expect(p.ok).toBeUndefined();
    expect(p.hops.map((h) => h.label)).toEqual([IID, 'IPv6 only: path not judged']);
  });

  it('no pictures when the instance is missing, unreadable or terminated', () => {
    expect(pictures((f) => (f.instances[IID] = ok(null)))).toEqual([]);
    expect(pictures((f) => (f.instances[IID] = failed(denied('ec2:DescribeInstances'))))).toEqual([]);
    expect(pictures((f) => (val(f.instances[IID])!.state = 'terminated'))).toEqual([]);
  });
});

describe('pictures agree with the network checks on every example', () => {
  const dir = new URL('../../examples/', import.meta.url);
  const names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  const PATH_CHECKS = ['network.route', 'vpc-endpoint.private-dns', 'security-group.endpoint-ingress', 'security-group.instance-egress', 'network.acl'];

  it.each(names)('%s', (name) => {
    const facts = parseSnapshot(readFileSync(new URL(name, dir), 'utf8'), name);
    const r = buildReport(facts, allChecks, { tool: { name: 'ssm-doctor', version: 't' }, source: 'snapshot' });
    for (const t of r.targets) {
      const statuses = t.checks.filter((c) => PATH_CHECKS.includes(c.id)).map((c) => c.status);
      // kms is judged by session.kms-key, logs and s3 by session.logging, not by the network checks.
      const broken = (t.paths ?? []).some((p) => ['ssm', 'ssmmessages', 'ec2messages'].includes(p.service) && p.ok === false);
      if (statuses.includes('fail')) expect(broken, `${name}: a failing network check shows a ✖ hop`).toBe(true);
      if (statuses.every((s) => s === 'pass' || s === 'skip')) expect(broken, `${name}: passing network checks, no ✖ hop`).toBe(false);
      const judge: Record<string, string> = { kms: 'session.kms-key', logs: 'session.logging', s3: 'session.logging' };
      for (const p of (t.paths ?? []).filter((x) => x.service in judge)) {
        if (t.checks.find((c) => c.id === judge[p.service])?.status === 'pass') expect(p.ok, `${name}: ${judge[p.service]} passes, the ${p.service} path has no ✖ hop`).not.toBe(false);
      }
    }
  });
});

describe('drawPicture', () => {
  it('wraps at hop boundaries under the width, and the wrapped lines join back to the one-line chain', () => {
    const p = of(pictures(), 'ssmmessages');
    const one = drawPicture(p, { prefix: '    ssmmessages: ', indent: '      ', width: 10_000 });
    expect(one).toHaveLength(1);
    const lines = drawPicture(p, { prefix: '    ssmmessages: ', indent: '      ', width: 80 });
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    for (const l of lines.slice(0, -1)) expect(l.endsWith(SEPARATOR.trimEnd())).toBe(true);
    const joined = lines.map((l, i) => (i === 0 ? l : l.slice(6))).join(' ');
    expect(joined).toBe(one[0]);
  });

  it('places are drawn without a mark unless they break; paint colours the marks only', () => {
    const p: PathPicture = {
      service: 'ssm',
      ok: false,
      hops: [
        { label: 'i-1 10.0.0.1', ok: true, place: true },
        { label: 'sg-1 egress 443', ok: true },
        { label: 'vpce-1 ssm pending', ok: false, place: true },
        { label: 'sg-2 ingress 443' },
      ],
    };
    const [l] = drawPicture(p, { prefix: '', indent: '', paint: (ok, m) => `<${String(ok)}>${m}` });
    expect(l).toBe('i-1 10.0.0.1 ─ sg-1 egress 443 <true>✔ ─ vpce-1 ssm pending <false>✖ ─ sg-2 ingress 443 <undefined>?');
  });
});

describe('report and text', () => {
  const report = (f: Facts) => buildReport(f, allChecks, { tool: { name: 'ssm-doctor', version: 't' }, source: 'snapshot' });

  it('paths are on the TargetReport (and so in the JSON)', () => {
    const r = report(world());
    expect(r.targets[0]!.paths?.map((p) => p.service)).toEqual(['ssm', 'ssmmessages']);
    expect(JSON.parse(JSON.stringify(r)).targets[0].paths[0].hops[0]).toEqual({ label: `${IID} 10.0.1.10`, ok: true, place: true });
  });

  it('text: broken chains under Network by default, every chain with --verbose, colours on the marks', () => {
    const broken = report(world((f) => (val(f.securityGroups[SG_VPCE]).ingress = [])));
    const text = renderText(broken, { color: false });
    const network = text.slice(text.indexOf('  Network'), text.indexOf('  Session Manager'));
    expect(network).toMatch(/\n {4}ssm: i-0123456789abcdef0 10\.0\.1\.10 ─ /);
    expect(network).toContain(`${SG_VPCE} ingress 443 ✖`);
    for (const l of text.split('\n')) if (/─/.test(l)) expect(l.length).toBeLessThanOrEqual(120);

    const healthy = report(world());
    expect(renderText(healthy, { color: false })).not.toContain(' ─ ');
    const verbose = renderText(healthy, { color: false, verbose: true });
    expect(verbose).toMatch(/ssm: i-0123456789abcdef0/);
    expect(verbose).toMatch(/ssmmessages: i-0123456789abcdef0/);

    const coloured = renderText(broken, { color: true });
    expect(coloured).toContain('\u001b[31m✖\u001b[39m');
    expect(coloured).toContain('\u001b[32m✔\u001b[39m');
  });

});
