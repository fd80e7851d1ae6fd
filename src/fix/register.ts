// Registering an SSM Agent with a hybrid activation (or clearing that registration) as the AWS procedure does it:
// stop the agent, run `amazon-ssm-agent -register` (which expects the agent stopped), start it again. The activation
// id and code are those `aws ssm create-activation` prints, set on the node as ACTIVATION_ID and ACTIVATION_CODE.

/** The lines to run on the node: stop, register (or `-register -clear`), start; PowerShell as Administrator on Windows. */
export function registerOnNode(platform: 'windows' | 'linux' | undefined, region: string, mode: 'register' | 'clear' = 'register'): string[] {
  if (platform === 'windows') {
    const args = mode === 'clear' ? '-register -clear' : `-register -y -id "$env:ACTIVATION_ID" -code "$env:ACTIVATION_CODE" -region ${region}`;
    return ['Stop-Service AmazonSSMAgent', `& "$env:ProgramFiles\\Amazon\\SSM\\amazon-ssm-agent.exe" ${args}`, 'Start-Service AmazonSSMAgent'];
  }
  const args = mode === 'clear' ? '-register -clear' : `-register -y -id "$ACTIVATION_ID" -code "$ACTIVATION_CODE" -region ${region}`;
  return [
    'sudo systemctl stop amazon-ssm-agent || sudo snap stop amazon-ssm-agent',
    `sudo amazon-ssm-agent ${args}`,
    'sudo systemctl start amazon-ssm-agent || sudo snap start amazon-ssm-agent',
  ];
}
