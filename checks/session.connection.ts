// Guards: Session Manager itself reports the instance as connectable (ssm:GetConnectionStatus = connected).
import { need, skip, type Check } from '../src/check/kit.js';
import { agentTargetOf } from '../src/facts/lookup.js';
import { agentRestartCommands, recheckCommand } from '../src/fix/reboot.js';
import { CONNECTION_STATUS_MAX_TARGETS } from '../src/facts/requirements.js';

export const sessionConnection: Check = {
  meta: {
    id: 'session.connection',
    title: 'Session Manager can connect',
    group: 'session',
    description:
      "ssm:GetConnectionStatus is Session Manager's own answer to whether a session to the instance can be opened now.",
    fixes: 'points to the failing checks; restart the agent or reboot',
  },
  run(ctx) {
    const inst = agentTargetOf(ctx);
    if (inst.state !== 'running') skip(`instance ${inst.id} is ${inst.state}; instance.state covers it`);
    if (ctx.facts.connections[ctx.id] === undefined && ctx.facts.targets.length > CONNECTION_STATUS_MAX_TARGETS) {
      skip(
        `not read for runs of more than ${CONNECTION_STATUS_MAX_TARGETS} instances (ssm:GetConnectionStatus costs one request ` +
          'per instance); agent.ping covers readiness: run ssm-doctor on this instance alone for Session Manager\'s own answer',
      );
    }
    const status = need(ctx.facts.connections[ctx.id], `the Session Manager connection status of ${ctx.id}`);
    if (status === 'connected') {
      return { status: 'pass', detail: 'Session Manager reports it connected: a session can be started.', data: { status } };
    }
    const restart = agentRestartCommands(inst.platform, inst.id, ctx.region, inst.managedNode);
    return {
      status: 'fail',
      detail:
        `Session Manager reports ${inst.id} as ${status}: it cannot open a session to it. ` +
        'This is the symptom; the other failing checks in this report (agent, iam, network, session) say why.',
      fix: {
        summary:
          `Fix the other failing checks for ${inst.id} first; if they all pass, restart the SSM Agent or reboot the instance, ` +
          'then check the connection status again.',
        ...restart,
        cli: [...restart.cli, recheckCommand(inst.id, ctx.region)],
      },
      data: { status },
    };
  },
};
