// Guards: the agent reaches com.amazonaws.<region>.ssmmessages (session channels) through an available interface endpoint in its VPC, unless the subnet reaches the public endpoint.
import { endpointCheck } from '../src/check/endpoint-check.js';

export const vpcEndpointSsmmessages = endpointCheck('ssmmessages');
