// Guards: IMDS is enabled (HttpEndpoint=enabled): the SSM Agent gets its credentials from IMDS, IMDSv2-only since 3.2.1041.0.
import { NeedFact, skip, type Check, type Fix, type TargetContext } from '../src/check/kit.js';
import { credentialSource, instanceOf } from '../src/facts/lookup.js';
import { MIN_AGENT } from '../src/facts/requirements.js';
import { tfChange } from '../src/fix/terraform.js';

export const instanceMetadata: Check = {
  meta: {
    id: 'instance.metadata',
    explains: ['agent.ping', 'session.connection'],
    title: 'Instance metadata service is enabled',
    group: 'instance',
    description:
      'The SSM Agent reads its credentials (instance profile or Default Host Management Configuration) from the instance ' +
      `metadata service, using IMDSv2 only since agent ${MIN_AGENT.imdsv2Only}: HttpEndpoint must be enabled; DHMC needs IMDSv2.`,
    fixes: 'modify-instance-metadata-options --http-endpoint enabled; metadata_options block (HttpTokens kept; required recommended)',
  },
  run(ctx) {
    const inst = instanceOf(ctx);
    const mo = inst.metadataOptions;
    if (!mo) skip(`EC2 returned no metadata options for ${inst.id}; cannot tell whether IMDS is enabled`);
    const data = {
      httpEndpoint: mo.httpEndpoint,
      httpTokens: mo.httpTokens,
      httpPutResponseHopLimit: mo.httpPutResponseHopLimit,
      state: mo.state,
    };
    const pending = mo.state === 'pending' ? ' A metadata options change is still being applied (state pending).' : '';

    if (mo.httpEndpoint !== 'enabled') {
      return {
        status: 'fail',
        subject: 'imds-disabled',
        summary: 'The instance metadata service (IMDS) is disabled: the SSM Agent cannot get its credentials.',
        detail:
          `The instance metadata service of ${inst.id} is ${mo.httpEndpoint || 'not enabled'} (HttpEndpoint). ` +
          'The SSM Agent gets its credentials from IMDS, so it cannot authenticate to Systems Manager.' +
          pending,
        fix: enableFix(ctx, inst.id, inst.name, mo.httpTokens),
        data,
      };
    }

    const notes: string[] = [];
    const dhmc = usesDhmc(ctx);
    if (mo.httpTokens === 'required') {
      notes.push('IMDSv2 required (what current agents and DHMC use)');
    } else {
      // DHMC "doesn't support IMDSv1"; HttpTokens=optional still serves IMDSv2 token requests, and every agent
      // that supports DHMC (>= 3.2.582.0) asks for a token. So optional works; required is the hardening.
      notes.push(
        `IMDSv2 is optional (HttpTokens=${mo.httpTokens}): IMDSv2 requests still work, which is all the agent${dhmc ? ' and DHMC' : ''} needs; ` +
          'setting it to required (IMDSv1 off) is the recommended hardening',
      );
    }
    if (mo.httpPutResponseHopLimit <= 1) {
      notes.push(
        `hop limit ${mo.httpPutResponseHopLimit}: fine for the agent on the host, but an agent running in a container ` +
          '(bridge network) cannot get an IMDSv2 token; it needs a hop limit of 2',
      );
    } else {
      notes.push(`hop limit ${mo.httpPutResponseHopLimit}`);
    }
    return { status: 'pass', detail: `IMDS is enabled; ${notes.join('; ')}.${pending}`, data };
  },
};

/**
 * Turn IMDS on and nothing else: the CLI and the Terraform both keep HttpTokens as it is (IMDSv2 required can break
 * applications still using IMDSv1), and the summary recommends requiring it as a separate, checked step.
 */
function enableFix(ctx: TargetContext, id: string, name: string | undefined, tokens: string | undefined): Fix {
  const required = tokens === 'required';
  return {
    summary:
      `Enable the instance metadata service (HttpEndpoint=enabled; HttpTokens stays ${tokens ?? 'as it is'}).` +
      (required
        ? ''
        : ' Recommended hardening, as a separate step once nothing on the instance uses IMDSv1 any more: require IMDSv2 ' +
          `(aws ec2 modify-instance-metadata-options --instance-id ${id} --http-tokens required; http_tokens = "required").`),
    cli: [`aws ec2 modify-instance-metadata-options --instance-id ${id} --http-endpoint enabled --region ${ctx.region}`],
    terraform: tfChange(`${id}${name ? ` (${name})` : ''} (aws_instance or aws_launch_template)`, [
      'metadata_options {',
      '  http_endpoint = "enabled"',
      ...(tokens ? [`  http_tokens   = "${tokens}"`] : []),
      '}',
    ]),
  };
}

/** Whether the agent's credentials come from DHMC; false when that cannot be read (only used for wording). */
function usesDhmc(ctx: TargetContext): boolean {
  try {
    return credentialSource(ctx).kind === 'dhmc';
  } catch (e) {
    if (e instanceof NeedFact) return false;
    throw e;
  }
}
