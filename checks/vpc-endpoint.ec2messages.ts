// Guards: agents older than 3.3.40.0 reach com.amazonaws.<region>.ec2messages through an available interface endpoint in their VPC, unless the subnet reaches the public endpoint.
import { endpointCheck } from '../src/check/endpoint-check.js';

export const vpcEndpointEc2messages = endpointCheck('ec2messages');
