// Guards: the agent reaches com.amazonaws.<region>.ssm (registration, heartbeat) through an available interface endpoint in its VPC, unless the subnet reaches the public endpoint.
import { endpointCheck } from '../src/check/endpoint-check.js';

export const vpcEndpointSsm = endpointCheck('ssm');
