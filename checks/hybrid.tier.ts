// Guards: Session Manager on hybrid nodes (mi-) needs the advanced-instances tier (service setting /ssm/managed-instance/activation-tier = advanced).
import { need, skip, type Check } from '../src/check/kit.js';
import { skipUnlessHybridNode } from '../src/check/evidence-check.js';
import { ACTIVATION_TIER_SETTING_ID } from '../src/facts/evidence.js';

export const hybridTier: Check = {
  meta: {
    id: 'hybrid.tier',
    title: 'Hybrid node tier is advanced',
    group: 'agent',
    description:
      'Session Manager reaches on-premises and other hybrid nodes (mi-) only in the advanced-instances tier ' +
      `(ssm:GetServiceSetting ${ACTIVATION_TIER_SETTING_ID}); in the standard tier sessions fail with ` +
      '"Enable advanced-instances tier to use Session Manager with your on-premises instances".',
    fixes: 'switch the account and region to the advanced-instances tier (charged per node-hour)',
    explains: ['session.connection'],
  },
  run(ctx) {
    skipUnlessHybridNode(ctx);
    const fetched = ctx.facts.activationTier;
    // Read whenever a target is a hybrid node: absent only from a snapshot of an older ssm-doctor. A failed read is an
    // error even for an Online node: in the standard tier its sessions fail, so it cannot be called healthy unread.
    if (fetched === undefined) skip(`the hybrid-node tier was not collected (a snapshot of an older ssm-doctor?)`);
    const tier = need(fetched, `the hybrid-node tier (${ACTIVATION_TIER_SETTING_ID})`);
    if (tier === 'advanced') {
      return { status: 'pass', detail: `Hybrid nodes in ${ctx.region} use the advanced-instances tier: Session Manager may reach ${ctx.id}.`, data: { tier } };
    }
    const account = ctx.facts.caller.ok ? ctx.facts.caller.value.account : undefined;
    const settingArn = account ? `arn:aws:ssm:${ctx.region}:${account}:servicesetting${ACTIVATION_TIER_SETTING_ID}` : ACTIVATION_TIER_SETTING_ID;
    return {
      status: 'fail',
      summary: `Hybrid nodes in ${ctx.region} use the ${tier} tier: Session Manager refuses sessions to them.`,
      detail:
        `Hybrid nodes in ${ctx.region} use the ${tier} tier: Session Manager cannot open sessions to ${ctx.id} ("Enable advanced-instances ` +
        'tier to use Session Manager with your on-premises instances").',
      fix: {
        summary: `Switch ${ctx.region} to the advanced-instances tier (every hybrid node of the account and region is then charged per hour).`,
        cli: [`aws ssm update-service-setting --setting-id ${settingArn} --setting-value advanced --region ${ctx.region}`],
        terraform: ['resource "aws_ssm_service_setting" "activation_tier" {', `  setting_id    = "${settingArn}"`, '  setting_value = "advanced"', '}'].join('\n'),
      },
      data: { tier },
      subject: `${ctx.region}:activation-tier`,
    };
  },
};
