// Pure mapping of the offline-evidence reads (src/collect/evidence.ts) from SDK shapes to facts (as map.ts).
import type {
  Ec2InstanceConnectEndpoint,
  Image as SdkImage,
  InstanceStatus as SdkInstanceStatus,
  InstanceStatusSummary,
} from '@aws-sdk/client-ec2';
import type { Activation as SdkActivation } from '@aws-sdk/client-ssm';
import type { Activation, Image, InstanceConnectEndpoint, InstanceStatus, ScheduledEvent } from '../facts/facts.js';
import { clean, iso, strings } from './map.js';

function impairedSince(s: InstanceStatusSummary | undefined): string | undefined {
  return iso((s?.Details ?? []).find((d) => d.ImpairedSince)?.ImpairedSince);
}

export function mapInstanceStatus(s: SdkInstanceStatus): InstanceStatus {
  return clean<InstanceStatus>({
    state: s.InstanceState?.Name ?? 'unknown',
    instanceStatus: s.InstanceStatus?.Status ?? 'not-applicable',
    systemStatus: s.SystemStatus?.Status ?? 'not-applicable',
    instanceImpairedSince: impairedSince(s.InstanceStatus),
    systemImpairedSince: impairedSince(s.SystemStatus),
    events: (s.Events ?? []).map((e) =>
      clean<ScheduledEvent>({
        code: e.Code ?? 'unknown',
        description: e.Description,
        notBefore: iso(e.NotBefore),
        notAfter: iso(e.NotAfter),
        id: e.InstanceEventId,
      }),
    ),
  });
}

export function mapImage(i: SdkImage): Image {
  return clean<Image>({
    id: i.ImageId ?? '',
    ownerId: i.OwnerId,
    ownerAlias: i.ImageOwnerAlias,
    name: i.Name,
    description: i.Description,
    platformDetails: i.PlatformDetails,
    architecture: i.Architecture,
    creationDate: iso(i.CreationDate),
    public: i.Public,
  });
}

export function mapInstanceConnectEndpoint(e: Ec2InstanceConnectEndpoint): InstanceConnectEndpoint {
  return clean<InstanceConnectEndpoint>({
    id: e.InstanceConnectEndpointId ?? '',
    vpcId: e.VpcId ?? '',
    subnetId: e.SubnetId,
    state: e.State ?? 'unknown',
    securityGroupIds: strings(e.SecurityGroupIds),
    preserveClientIp: e.PreserveClientIp,
    dnsName: e.DnsName,
  });
}

export function mapActivation(a: SdkActivation): Activation {
  return clean<Activation>({
    id: a.ActivationId ?? '',
    iamRole: a.IamRole,
    registrationLimit: a.RegistrationLimit,
    registrationsCount: a.RegistrationsCount,
    expirationDate: iso(a.ExpirationDate),
    expired: a.Expired,
    createdDate: iso(a.CreatedDate),
    defaultInstanceName: a.DefaultInstanceName,
  });
}
