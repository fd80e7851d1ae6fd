// Turns "every call failed because of the credentials" into one line that says what to run.
import type { ApiError, Facts } from './facts.js';

/** A one-line explanation when the run could not authenticate at all, else undefined. */
export function credentialsProblem(facts: Facts, profile: string | undefined): string | undefined {
  if (facts.caller.ok) return undefined;
  const e = facts.caller.error;
  const anyInstanceRead = Object.values(facts.instances).some((f) => f.ok);
  if (anyInstanceRead || e.kind !== 'credentials') return undefined;
  return explainCredentials(e, profile);
}

export function explainCredentials(e: ApiError, profile: string | undefined): string {
  const p = profile ?? process.env.AWS_PROFILE;
  const login = p ? `aws sso login --profile ${p}` : 'aws sso login --profile <profile>';
  const text = `${e.code} ${e.message}`;
  if (/sso/i.test(text) && /expired|invalid|refresh/i.test(text)) {
    return `the SSO session has expired: run \`${login}\` and try again`;
  }
  if (/expired/i.test(text)) {
    return `the AWS credentials have expired (${e.code}): refresh them (e.g. \`${login}\`, or new keys in the environment) and try again`;
  }
  if (/profile.*(could not be found|not found)/i.test(text)) {
    return `AWS profile ${p ? `"${p}" ` : ''}was not found: list profiles with \`aws configure list-profiles\`, then use --profile or \`export AWS_PROFILE=<name>\``;
  }
  if (/could not load credentials|CredentialsProviderError/i.test(text)) {
    return 'no AWS credentials found: run `aws configure` or `aws sso login --profile <profile>`, or `export AWS_PROFILE=<name>` (or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)';
  }
  return `AWS rejected the credentials (${e.code}: ${e.message}): check AWS_PROFILE / --profile and the keys in use (\`aws sts get-caller-identity\`)`;
}
