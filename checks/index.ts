// The registry: every check, in report order. Adding a check = one file in checks/ + one line here.
import type { Check } from '../src/check/kit.js';
import { instanceState } from './instance.state.js';
import { instanceMetadata } from './instance.metadata.js';
import { instanceHealth } from './instance.health.js';
import { agentInstalled } from './agent.installed.js';
import { agentConsole } from './agent.console.js';
import { agentIdentity } from './agent.identity.js';
import { hybridTier } from './hybrid.tier.js';
import { hybridActivation } from './hybrid.activation.js';
import { agentPing } from './agent.ping.js';
import { agentVersion } from './agent.version.js';
import { sessionConnection } from './session.connection.js';
import { sessionPreferences } from './session.preferences.js';
import { sessionKmsKey } from './session.kms-key.js';
import { sessionLogging } from './session.logging.js';
import { agentLateFix } from './agent.late-fix.js';
import { clientPlugin } from './client.plugin.js';
import { iamInstanceProfile } from './iam.instance-profile.js';
import { iamRoleTrust } from './iam.role-trust.js';
import { iamPermissions } from './iam.permissions.js';
import { clientPermissions } from './client.permissions.js';
import { networkRoute } from './network.route.js';
import { vpcEndpointSsm } from './vpc-endpoint.ssm.js';
import { vpcEndpointSsmmessages } from './vpc-endpoint.ssmmessages.js';
import { vpcEndpointEc2messages } from './vpc-endpoint.ec2messages.js';
import { vpcEndpointPrivateDns } from './vpc-endpoint.private-dns.js';
import { vpcDns } from './vpc.dns.js';
import { vpcEndpointPolicy } from './vpc-endpoint.policy.js';
import { securityGroupEndpointIngress } from './security-group.endpoint-ingress.js';
import { securityGroupInstanceEgress } from './security-group.instance-egress.js';
import { networkAcl } from './network.acl.js';

export const allChecks: Check[] = [
  instanceState,
  // evidence for an offline agent first: a broken host or a missing agent explains everything after it
  instanceHealth,
  instanceMetadata,
  agentInstalled,
  agentConsole,
  agentIdentity,
  hybridTier,
  hybridActivation,
  agentPing,
  agentVersion,
  iamInstanceProfile,
  iamRoleTrust,
  iamPermissions,
  // network
  networkRoute,
  vpcEndpointSsm,
  vpcEndpointSsmmessages,
  vpcEndpointEc2messages,
  vpcEndpointPrivateDns,
  vpcDns,
  vpcEndpointPolicy,
  securityGroupEndpointIngress,
  securityGroupInstanceEgress,
  networkAcl,
  // session preferences: the document, then what it names
  sessionPreferences,
  sessionKmsKey,
  sessionLogging,
  // configuration right, agent still offline: was the fix late?
  agentLateFix,
  sessionConnection,
  clientPlugin,
  clientPermissions,
];
