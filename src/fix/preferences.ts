// Fixes that change the Session Manager preferences themselves (document SSM-SessionManagerRunShell): the
// whole content is rewritten with the current settings and the change, as update-document and as the
// aws_ssm_document Terraform resource.
import type { Fix } from '../check/kit.js';
import type { SessionPreferences } from '../facts/facts.js';
import { SESSION_PREFERENCES_DOCUMENT } from '../facts/requirements.js';
import { shellJson } from '../eval/permissions.js';
import { indentJson } from './role-policy.js';
import { tfChange } from './terraform.js';

/** A value the shell supplies at paste time (`"$KEY_ARN"` in the CLI, a Terraform expression in HCL). */
export interface ShellValue {
  shellVar: string;
  terraform: string;
}

const PLACEHOLDER = (name: string) => `@@${name}@@`;

/** The preferences document with `change` applied (undefined values removed). */
function content(prefs: SessionPreferences, change: Record<string, string | boolean | ShellValue | undefined>): Record<string, unknown> {
  const inputs: Record<string, unknown> = { ...prefs };
  for (const [k, v] of Object.entries(change)) {
    if (v === undefined) delete inputs[k];
    else inputs[k] = typeof v === 'object' ? PLACEHOLDER(v.shellVar) : v;
  }
  return {
    schemaVersion: '1.0',
    description: 'Document to hold regional settings for Session Manager',
    sessionType: 'Standard_Stream',
    inputs,
  };
}

/**
 * The preferences rewritten with `change`: `aws ssm update-document` (a ShellValue is spliced in as "$VAR") and,
 * for the Terraform that manages the existing document, its new `content` (a ShellValue becomes its expression).
 */
export function preferencesUpdateFix(
  region: string,
  prefs: SessionPreferences,
  change: Record<string, string | boolean | ShellValue | undefined>,
  summary: string,
): Fix {
  const doc = content(prefs, change);
  let cliJson = shellJson(doc);
  let tfJson = indentJson(doc, '  ');
  for (const v of Object.values(change)) {
    if (v && typeof v === 'object') {
      cliJson = cliJson.split(PLACEHOLDER(v.shellVar)).join(`'"$${v.shellVar}"'`);
      tfJson = tfJson.split(`"${PLACEHOLDER(v.shellVar)}"`).join(v.terraform);
    }
  }
  return {
    summary,
    // A new version of the document, then made the default one (what Session Manager and GetDocument read).
    cli: [
      `DOC_VERSION=$(aws ssm update-document --name ${SESSION_PREFERENCES_DOCUMENT} --content ${cliJson} ` +
        `--query DocumentDescription.DocumentVersion --output text --region ${region})`,
      `aws ssm update-document-default-version --name ${SESSION_PREFERENCES_DOCUMENT} --document-version "$DOC_VERSION" --region ${region}`,
    ],
    terraform: tfChange(`${SESSION_PREFERENCES_DOCUMENT} (aws_ssm_document)`, `content = jsonencode(${tfJson})`.split('\n')),
  };
}
