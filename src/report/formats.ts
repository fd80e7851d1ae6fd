// The `--format` names and how `--json` combines with `--format`: all the CLI needs to validate its options
// without loading the renderers (src/report/format.ts).
export const FORMATS = ['text', 'json', 'junit', 'github'] as const;
export type Format = (typeof FORMATS)[number];

/** The format asked for, or a usage message when `--json` and `--format` disagree. */
export function resolveFormat(json: boolean | undefined, format: string | undefined): Format | { usage: string } {
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
    return { usage: `--format must be one of ${FORMATS.join(', ')}` };
  }
  if (json && format !== undefined && format !== 'json') return { usage: `--json and --format ${format} cannot be used together` };
  return json ? 'json' : ((format as Format | undefined) ?? 'text');
}
