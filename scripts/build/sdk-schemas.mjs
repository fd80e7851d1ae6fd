// esbuild plugin: lets the bundler drop the schemas of the AWS SDK commands ssm-doctor never sends.
//
// An SDK v3 client describes every shape of its API in dist-es/schemas/schemas_0.js (EC2: 550 KB minified),
// as arrays of constants. Members carry traits in objects with COMPUTED keys, `{ [_xN]: _nIC }`, where
// `const _xN = "xmlName"`; esbuild must assume a computed key may have side effects (a toString), so it keeps
// every such statement and, through them, every schema. Rewritten with the literal key, `{ "xmlName": _nIC }`,
// the object is the same and the statements are pure: only the schemas of the imported commands stay.
// Keys that do not resolve to a string constant are left as they are (still correct, just not dropped).
import { readFile } from 'node:fs/promises';

const SCHEMAS = /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.*[\\/])?schemas[\\/]schemas_\d+\.js$/;

/** The source with every `[_name]:` key whose `_name` is a top-level string constant written as its literal. */
export function withLiteralKeys(src) {
  const constants = new Map();
  for (const m of src.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) constants.set(m[1], m[2]);
  let replaced = 0;
  const out = src.replace(/([{,]\s*)\[(_\w+)\]:/g, (all, before, name) => {
    const literal = constants.get(name);
    // `{ "__proto__": x }` would set the prototype, unlike `{ ["__proto__"]: x }`.
    if (literal === undefined || JSON.parse(literal) === '__proto__') return all;
    replaced++;
    return `${before}${literal}:`;
  });
  return { contents: out, replaced };
}

export const literalSchemaKeys = {
  name: 'sdk-schema-literal-keys',
  setup(b) {
    b.onLoad({ filter: SCHEMAS }, async (args) => ({ contents: withLiteralKeys(await readFile(args.path, 'utf8')).contents, loader: 'js' }));
  },
};
