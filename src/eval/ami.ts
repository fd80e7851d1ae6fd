// Does an instance's AMI ship the SSM Agent? Recognises the OS family from the AMI's publisher (owner id /
// alias), name and description, or, when the AMI is gone, from the instance's PlatformDetails (billing), and
// says how sure that is. Only an image published by the distribution itself is "known": a copy, a Marketplace
// listing or a custom image built from it may have had the agent added.
// The AMIs with the agent preinstalled: ../shared/session-manager-facts.md, "Offline with the right configuration".
import type { Image, Instance } from '../facts/facts.js';

export type Installer = 'rpm' | 'deb' | 'snap' | 'al-repo' | 'windows' | 'generic';

export interface OsFamily {
  id: string;
  label: string;
  /** Whether the family's own images ship the agent. */
  ships: 'yes' | 'no' | 'unknown';
  /** Default SSH user of its images. */
  sshUser: string;
  installer: Installer;
  /** Account ids that publish its official images (besides AWS's `amazon` alias for AWS-made ones). */
  owners: readonly string[];
  /** AWS publishes it (`ImageOwnerAlias` = amazon). */
  byAmazon?: boolean;
  /** Names (or descriptions) of its images. */
  name: RegExp;
}

const AMAZON = { owners: [], byAmazon: true } as const;

/** Checked in order: the more specific names first (`al2023-ami-minimal-` before `al2023-ami-`). */
export const OS_FAMILIES: OsFamily[] = [
  { id: 'al2023-minimal', label: 'Amazon Linux 2023 minimal', ships: 'no', sshUser: 'ec2-user', installer: 'al-repo', ...AMAZON, name: /^al2023-ami-minimal-/i },
  { id: 'ecs-optimized', label: 'Amazon ECS-optimized Amazon Linux', ships: 'yes', sshUser: 'ec2-user', installer: 'al-repo', ...AMAZON, name: /^(?:al2023-ami-ecs-|amzn2-ami-ecs-|amzn-ami-[\w.-]*amazon-ecs-optimized)/i },
  { id: 'eks-optimized', label: 'Amazon EKS-optimized Amazon Linux', ships: 'yes', sshUser: 'ec2-user', installer: 'al-repo', ...AMAZON, name: /^amazon-eks-/i },
  { id: 'bottlerocket', label: 'Bottlerocket (agent in the control container)', ships: 'yes', sshUser: 'ec2-user', installer: 'generic', ...AMAZON, name: /^bottlerocket-/i },
  { id: 'al2023', label: 'Amazon Linux 2023', ships: 'yes', sshUser: 'ec2-user', installer: 'al-repo', ...AMAZON, name: /^al2023-ami-/i },
  { id: 'al2-minimal', label: 'Amazon Linux 2 minimal', ships: 'unknown', sshUser: 'ec2-user', installer: 'al-repo', ...AMAZON, name: /^amzn2-ami-minimal-/i },
  { id: 'al2', label: 'Amazon Linux 2', ships: 'yes', sshUser: 'ec2-user', installer: 'al-repo', ...AMAZON, name: /^amzn2-ami-/i },
  { id: 'al1', label: 'Amazon Linux AMI (2017.09 and later ship the agent)', ships: 'yes', sshUser: 'ec2-user', installer: 'al-repo', ...AMAZON, name: /^amzn-ami-/i },
  { id: 'macos', label: 'macOS', ships: 'yes', sshUser: 'ec2-user', installer: 'generic', ...AMAZON, name: /^amzn-ec2-macos-/i },
  { id: 'windows', label: 'Windows Server', ships: 'yes', sshUser: 'Administrator', installer: 'windows', ...AMAZON, name: /^Windows_Server-/i },
  { id: 'ubuntu', label: 'Ubuntu Server', ships: 'yes', sshUser: 'ubuntu', installer: 'snap', owners: ['099720109477'], name: /^ubuntu(?:-pro)?(?:-server)?\/images\//i },
  { id: 'ubuntu-minimal', label: 'Ubuntu minimal', ships: 'unknown', sshUser: 'ubuntu', installer: 'snap', owners: ['099720109477'], name: /^ubuntu-minimal\/images\//i },
  { id: 'sles', label: 'SUSE Linux Enterprise Server', ships: 'yes', sshUser: 'ec2-user', installer: 'generic', owners: ['013907871322'], name: /^suse-sles-/i },
  { id: 'rhel', label: 'Red Hat Enterprise Linux', ships: 'no', sshUser: 'ec2-user', installer: 'rpm', owners: ['309956199498'], name: /^RHEL[-_]/i },
  { id: 'centos', label: 'CentOS', ships: 'no', sshUser: 'ec2-user', installer: 'rpm', owners: ['125523088429'], name: /^CentOS/i },
  { id: 'rocky', label: 'Rocky Linux', ships: 'no', sshUser: 'rocky', installer: 'rpm', owners: ['792107900819'], name: /^Rocky-/i },
  { id: 'alma', label: 'AlmaLinux', ships: 'no', sshUser: 'ec2-user', installer: 'rpm', owners: ['764336703387'], name: /^AlmaLinux/i },
  { id: 'oracle', label: 'Oracle Linux', ships: 'no', sshUser: 'ec2-user', installer: 'rpm', owners: ['131827586825'], name: /^OL\d/i },
  { id: 'fedora', label: 'Fedora', ships: 'no', sshUser: 'fedora', installer: 'rpm', owners: ['125523088429'], name: /^Fedora-/i },
  { id: 'debian', label: 'Debian', ships: 'no', sshUser: 'admin', installer: 'deb', owners: ['136693071363', '379101102735'], name: /^debian-/i },
];

const WINDOWS = OS_FAMILIES.find((f) => f.id === 'windows')!;

/**
 * The distributions' publishing accounts: public knowledge, not the user's accounts. `--redact` keeps them, so an
 * AMI is recognised alike after redaction.
 */
export const PUBLISHER_ACCOUNTS: ReadonlySet<string> = new Set(OS_FAMILIES.flatMap((f) => f.owners));

/** Windows Server 2008-2012 R2 AMIs published from November 2016 ship the agent; 2016 and later always do. */
const OLD_WINDOWS_WITH_AGENT_SINCE = '2016-11-01';
/** Amazon Linux AMIs (2017.09 and later) ship the agent. */
const AL1_WITH_AGENT_SINCE = '2017-09-01';

export interface AmiAssessment {
  family?: OsFamily;
  /** Whether this instance's image ships the agent. */
  ships: 'yes' | 'no' | 'unknown';
  /** Known from the distribution's own published image; otherwise a likelihood. */
  confident: boolean;
  /** What the verdict rests on, for the detail line. */
  basis: string;
}

function describeImage(img: Image): string {
  const who = img.ownerAlias === 'amazon' ? 'Amazon' : img.ownerAlias === 'aws-marketplace' ? 'AWS Marketplace' : `account ${img.ownerId ?? 'unknown'}`;
  return `AMI ${img.id} (${img.name ?? 'no name'}, published by ${who})`;
}

/** The family whose name pattern matches the image's name, else its description. */
function familyOf(img: Image): OsFamily | undefined {
  return OS_FAMILIES.find((f) => f.name.test(img.name ?? '')) ?? OS_FAMILIES.find((f) => f.name.test(img.description ?? ''));
}

/** Published by the family's own account (or by AWS for AWS's images): not a copy, not a Marketplace listing. */
function official(f: OsFamily, img: Image): boolean {
  if (f.byAmazon) return img.ownerAlias === 'amazon';
  return !!img.ownerId && f.owners.includes(img.ownerId);
}

/** Exceptions by age: old Windows Server and Amazon Linux AMIs. */
function shipsByAge(f: OsFamily, img: Image): 'yes' | 'no' | 'unknown' {
  const created = img.creationDate ?? '';
  if (f.id === 'windows') {
    const year = Number(/^Windows_Server-(\d{4})/i.exec(img.name ?? '')?.[1]);
    if (year >= 2016) return 'yes';
    return created >= OLD_WINDOWS_WITH_AGENT_SINCE ? 'yes' : 'unknown';
  }
  if (f.id === 'al1') return created >= AL1_WITH_AGENT_SINCE ? 'yes' : 'unknown';
  if (f.id === 'ubuntu') {
    const version = Number(/-(\d\d\.\d\d)-/.exec(img.name ?? '')?.[1]);
    return Number.isFinite(version) && version < 16.04 ? 'no' : 'yes';
  }
  return f.ships;
}

/** From the instance's billing platform when the AMI itself cannot be read (deregistered, not shared). */
function fromPlatformDetails(inst: Instance): AmiAssessment {
  const p = inst.platformDetails ?? '';
  const basis = `the instance's platform (${p || 'unknown'}); its AMI ${inst.imageId ?? ''} could not be read (deregistered or not visible)`.replace('AMI  ', 'AMI ');
  const family = (id: string) => OS_FAMILIES.find((f) => f.id === id);
  if (/red hat/i.test(p)) return { family: family('rhel'), ships: 'no', confident: false, basis };
  if (/suse/i.test(p)) return { family: family('sles'), ships: 'yes', confident: false, basis };
  if (/ubuntu/i.test(p)) return { family: family('ubuntu'), ships: 'yes', confident: false, basis };
  if (/windows/i.test(p) || inst.platform === 'windows') return { family: WINDOWS, ships: 'unknown', confident: false, basis };
  return { ships: 'unknown', confident: false, basis };
}

/** Whether the instance's image ships the SSM Agent; `image` null = not returned, undefined = not read. */
export function assessImage(image: Image | null | undefined, inst: Instance): AmiAssessment {
  if (!image) return fromPlatformDetails(inst);
  const f = familyOf(image);
  const what = describeImage(image);
  if (!f) {
    return {
      ships: 'unknown',
      confident: false,
      basis: `${what}, which ssm-doctor does not recognise (a custom or Marketplace image ships the agent only if its builder installed it)`,
    };
  }
  const ships = shipsByAge(f, image);
  const isOfficial = official(f, image);
  return {
    family: f,
    ships,
    confident: isOfficial && ships !== 'unknown',
    basis: isOfficial
      ? `${what}: ${f.label}`
      : `${what}: built from ${f.label}, but not published by its maker (a copy or custom build may have had the agent added)`,
  };
}
