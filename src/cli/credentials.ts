// Turns "every call failed because of the credentials" into one line that says what happened and what to run.
// The SDK's credential chain throws CredentialsProviderError before any request for a missing profile, an
// SSO profile without a valid cached token, or no credentials at all; AWS answers ExpiredToken /
// InvalidClientTokenId / SignatureDoesNotMatch for keys it rejects. Both land in the facts as an ApiError
// of kind 'credentials' (src/collect/errors.ts); main.ts turns the sentence below into exit 3.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { quote } from './args.js';
import type { ApiError, Facts } from '../facts/facts.js';

/** A one-line explanation when the run could not authenticate at all, else undefined. */
export function credentialsProblem(facts: Facts, profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (facts.caller.ok) return undefined;
  const e = facts.caller.error;
  const anyInstanceRead = Object.values(facts.instances).some((f) => f.ok);
  if (anyInstanceRead || e.kind !== 'credentials') return undefined;
  return explainCredentials(e, profile, env);
}

/** The profile the SDK uses: `--profile`, else AWS_PROFILE (the JS SDK ignores AWS_DEFAULT_PROFILE). */
export function requestedProfile(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return profile || env.AWS_PROFILE || undefined;
}

/** Home directory as the SDK resolves it for ~/.aws. */
function awsHome(env: NodeJS.ProcessEnv): string {
  return env.HOME || env.USERPROFILE || (env.HOMEPATH ? `${env.HOMEDRIVE ?? 'C:\\'}${env.HOMEPATH}` : homedir());
}

function sectionsOf(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*\[([^\]]*)\]\s*(?:[#;].*)?$/.exec(line);
    if (m) out.push(m[1]!.trim());
  }
  return out;
}

/**
 * Profile names defined in the shared config and credentials files (AWS_CONFIG_FILE /
 * AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials), as the SDK reads them:
 * `[default]` and `[profile NAME]` in config, `[NAME]` in credentials.
 */
export function knownProfiles(env: NodeJS.ProcessEnv = process.env): Set<string> {
  const home = awsHome(env);
  const config = env.AWS_CONFIG_FILE || join(home, '.aws', 'config');
  const credentials = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const names = new Set<string>();
  for (const s of sectionsOf(config)) {
    if (s === 'default') names.add(s);
    const m = /^profile\s+(.+)$/.exec(s);
    if (m) names.add(m[1]!.trim());
  }
  for (const s of sectionsOf(credentials)) if (s) names.add(s);
  return names;
}

/**
 * The one line for a profile that is named (--profile / AWS_PROFILE) but defined in no AWS config file,
 * else undefined. Only meaningful once the SDK failed to find credentials or a region: outside the files,
 * a profile name is not an error by itself (container and instance credentials still apply).
 */
export function unknownProfileProblem(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const p = requestedProfile(profile, env);
  if (!p || knownProfiles(env).has(p)) return undefined;
  const via = profile ? '--profile' : 'AWS_PROFILE';
  return `AWS profile ${quote(p)} (from ${via}) is not defined in your AWS config files: list the profiles with \`aws configure list-profiles\`, then pass --profile <name> or \`export AWS_PROFILE=<name>\` (or create it with \`aws configure --profile ${safeName(p)}\`)`;
}

/** A profile name fit to paste into a suggested command, or a placeholder. */
function safeName(p: string | undefined): string {
  return p && /^[\w.@+=-]{1,64}$/.test(p) ? p : '<profile>';
}

/**
 * One line when a named profile and static keys in the environment could both supply credentials: which ones
 * are used (the profile: the SDK's default chain skips the environment keys when a profile is named), why, and
 * how to use the other. Undefined when there is no such choice.
 */
export function credentialChoiceNote(profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const p = requestedProfile(profile, env);
  if (!p || !env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY) return undefined;
  const via = profile ? '--profile' : 'AWS_PROFILE';
  const other = profile ? `leave out --profile${env.AWS_PROFILE ? ' and unset AWS_PROFILE' : ''}` : 'unset AWS_PROFILE';
  return `using the credentials of profile ${quote(p)} (${via}); AWS_ACCESS_KEY_ID is set too but a named profile comes first: to use those keys instead, ${other}`;
}

export function explainCredentials(e: ApiError, profile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const p = requestedProfile(profile, env);
  const name = safeName(p);
  const login = p ? `aws sso login --profile ${name}` : 'aws sso login';
  const text = `${e.code} ${e.message}`;
  const envKeys = !p && Boolean(env.AWS_ACCESS_KEY_ID);

  if (/\bSSO\b/i.test(text) || /^(?:TokenProviderError|InvalidGrantException)$/.test(e.code)) {
    return `the SSO session${p ? ` of profile ${quote(p)}` : ''} has expired or was never started: run \`${login}\` and try again`;
  }
  if (/expired/i.test(text)) {
    return envKeys
      ? `the AWS credentials in AWS_ACCESS_KEY_ID / AWS_SESSION_TOKEN have expired (${e.code}): export fresh ones, or unset them and use a profile (\`aws sso login --profile <profile>\`, then --profile <profile>)`
      : `the AWS credentials${p ? ` of profile ${quote(p)}` : ''} have expired (${e.code}): run \`${login}\` (SSO) or refresh the keys${p ? ` of that profile` : ''}, and try again`;
  }
  if (/CredentialsProviderError|could not load credentials|unable to (?:load|find) credentials/i.test(text)) {
    const unknown = unknownProfileProblem(profile, env);
    if (unknown) return unknown;
    if (p) {
      return `AWS profile ${quote(p)} gave no usable credentials: run \`aws configure --profile ${name}\` or \`aws sso login --profile ${name}\``;
    }
    return 'no AWS credentials found: run `aws configure` or `aws sso login --profile <profile>`, or `export AWS_PROFILE=<name>` (or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)';
  }
  const source = envKeys ? 'the access key in AWS_ACCESS_KEY_ID' : p ? `the access key of profile ${quote(p)}` : 'the access key in use';
  const fix = envKeys
    ? 'export a valid AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or unset them and use `aws configure`'
    : `fix it with \`aws configure${p ? ` --profile ${name}` : ''}\` (or \`${login}\`)`;
  if (/^(?:InvalidClientTokenId|UnrecognizedClientException|InvalidAccessKeyId|AuthFailure)$/.test(e.code)) {
    return `AWS does not recognise ${source} (${e.code}): ${fix}, then check with \`aws sts get-caller-identity\``;
  }
  if (e.code === 'SignatureDoesNotMatch') {
    return `the secret key does not match ${source} (SignatureDoesNotMatch): ${fix}, then check with \`aws sts get-caller-identity\``;
  }
  return `AWS rejected the credentials (${e.code}: ${e.message}): check AWS_PROFILE / --profile and the keys in use (\`aws sts get-caller-identity\`)`;
}
