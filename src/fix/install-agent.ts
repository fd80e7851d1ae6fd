// How to install the SSM Agent on an OS family: commands to run on the instance now, and the same script as user
// data for the next launch (Terraform that is valid on its own).
import type { Installer } from '../eval/ami.js';
import { tfLabel } from '../eval/permissions.js';

/** Package architecture names of the agent's download paths. */
function agentArch(imageArchitecture: string | undefined): string | undefined {
  if (!imageArchitecture) return undefined;
  if (/^x86_64/.test(imageArchitecture)) return 'amd64';
  if (/^arm64/.test(imageArchitecture)) return 'arm64';
  return undefined;
}

/** Shell that picks the architecture at run time, for when the image's is unknown. */
const ARCH = '$(uname -m | sed -e s/x86_64/amd64/ -e s/aarch64/arm64/)';

/** The agent's regional bucket (reachable through the region's S3 gateway endpoint, unlike s3.amazonaws.com). */
function download(region: string, kind: 'linux' | 'debian' | 'windows', file: string, arch: string): string {
  return `https://s3.${region}.amazonaws.com/amazon-ssm-${region}/latest/${kind}_${arch}/${file}`;
}

const windowsSetup = (region: string): string => download(region, 'windows', 'AmazonSSMAgentSetup.exe', 'amd64');

/** The install as root shell (or PowerShell) lines; the architecture fixed when known, else found at run time. */
export function installScript(installer: Installer, region: string, imageArchitecture?: string): string[] {
  const arch = agentArch(imageArchitecture) ?? ARCH;
  switch (installer) {
    case 'rpm':
      // Only the package from S3: a subnet whose way out is an S3 gateway endpoint cannot reach the distribution's
      // own repositories, whose metadata yum/dnf would otherwise refresh first (and fail on).
      return [`yum install -y --disablerepo='*' ${download(region, 'linux', 'amazon-ssm-agent.rpm', arch)}`, 'systemctl enable --now amazon-ssm-agent'];
    case 'deb':
      return [
        `curl -fsSL -o /tmp/amazon-ssm-agent.deb ${download(region, 'debian', 'amazon-ssm-agent.deb', arch)}`,
        'dpkg -i /tmp/amazon-ssm-agent.deb',
        'systemctl enable --now amazon-ssm-agent',
      ];
    case 'snap':
      return ['snap install amazon-ssm-agent --classic', 'snap start amazon-ssm-agent'];
    case 'al-repo':
      return ['dnf install -y amazon-ssm-agent || yum install -y amazon-ssm-agent', 'systemctl enable --now amazon-ssm-agent'];
    case 'windows':
      return [
        // Windows PowerShell 5.1 may still default to TLS 1.0, which AWS endpoints refuse.
        '[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12',
        `Invoke-WebRequest ${windowsSetup(region)} -OutFile $env:TEMP\\AmazonSSMAgentSetup.exe`,
        "Start-Process -FilePath $env:TEMP\\AmazonSSMAgentSetup.exe -ArgumentList '/S' -Wait",
        'Set-Service -Name AmazonSSMAgent -StartupType Automatic',
        'Start-Service -Name AmazonSSMAgent',
      ];
    case 'generic':
      return [
        `if command -v snap >/dev/null; then snap install amazon-ssm-agent --classic; elif command -v dpkg >/dev/null; then curl -fsSL -o /tmp/amazon-ssm-agent.deb ${download(region, 'debian', 'amazon-ssm-agent.deb', ARCH)} && dpkg -i /tmp/amazon-ssm-agent.deb; else yum install -y --disablerepo='*' ${download(region, 'linux', 'amazon-ssm-agent.rpm', ARCH)}; fi`,
        'systemctl enable --now amazon-ssm-agent || snap start amazon-ssm-agent',
      ];
  }
}

/** The package the install downloads from S3 (rpm, deb or Windows setup), when it downloads one file; the architecture as known. */
export function packageUrl(installer: Installer, region: string, imageArchitecture?: string): string | undefined {
  if (installer === 'windows') return windowsSetup(region);
  const arch = agentArch(imageArchitecture) ?? 'amd64';
  if (installer === 'rpm') return download(region, 'linux', 'amazon-ssm-agent.rpm', arch);
  if (installer === 'deb') return download(region, 'debian', 'amazon-ssm-agent.deb', arch);
  return undefined;
}

/** The install as commands to run on the instance (Fix.onInstance): `sudo` on Linux, PowerShell as Administrator on Windows. */
export function installOnInstance(installer: Installer, region: string, imageArchitecture?: string): string[] {
  const lines = installScript(installer, region, imageArchitecture);
  if (installer === 'windows') return lines;
  return lines.map((l) => (l.startsWith('if ') ? `sudo sh -c '${l.replace(/'/g, `'\\''`)}'` : `sudo ${l.replace(/ \|\| /g, ' || sudo ')}`));
}

/** A `locals` block holding the user data (valid Terraform on its own; the instance or launch template uses it). */
export function userDataTerraform(name: string, script: string): string {
  // Terraform interpolates ${...} and %{...} in heredocs: escape them.
  // (a function as the replacement: in a replacement string `$$` is itself one `$`)
  const body = script.replace(/\$\{/g, () => '$${').replace(/%\{/g, () => '%%{');
  return (
    `# Use local.${name} as user_data of the aws_instance or aws_launch_template\n` +
    `locals {\n  ${name} = <<-EOT\n${body.split('\n').map((l) => `    ${l}`).join('\n')}\n  EOT\n}\n`
  );
}

/** Attempts of the user data's download, 30 seconds apart (the network may come up after the script starts). */
const ATTEMPTS = 5;

/**
 * The install as user data for the next launch (a `locals` block named after the OS family, see userDataTerraform).
 * On Linux the download is retried, every failed attempt is logged (cloud-init's output log and the serial console,
 * which agent.console reads) and a download that never works says so, without stopping the rest of the boot.
 */
export function installUserData(installer: Installer, region: string, family: string, imageArchitecture?: string): string {
  const lines = installScript(installer, region, imageArchitecture);
  if (installer === 'windows') return userDataTerraform(tfLabel(`ssm_agent_install_${family}`), ['<powershell>', ...lines, '</powershell>'].join('\n'));
  // Every installer's last line starts the agent; the lines before it install it.
  const install = lines.slice(0, -1).join(' && ');
  const start = lines.at(-1)!;
  const script = [
    '#!/bin/bash',
    '# Install the SSM Agent: retry, log each failure, never stop the boot.',
    'installed=no',
    `for attempt in $(seq ${ATTEMPTS}); do`,
    `  if ${install}; then installed=yes; break; fi`,
    `  echo "ssm-agent install: attempt $attempt of ${ATTEMPTS} failed" >&2`,
    `  [ "$attempt" -lt ${ATTEMPTS} ] && sleep 30`,
    'done',
    `[ "$installed" = yes ] || echo "ssm-agent install: gave up after ${ATTEMPTS} attempts: can this subnet reach https://s3.${region}.amazonaws.com (an S3 gateway endpoint or a NAT gateway)?" >&2`,
    `${start} || echo "ssm-agent install: the agent did not start" >&2`,
  ];
  return userDataTerraform(tfLabel(`ssm_agent_install_${family}`), script.join('\n'));
}
