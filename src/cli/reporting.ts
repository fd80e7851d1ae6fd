// What turns facts into output: the checks and the renderers, most of the CLI's code. main.ts imports this
// module lazily: a live run loads it while its first requests are in flight (not before they leave).
export { allChecks } from '../../checks/index.js';
export { buildReport, withWait } from '../report/model.js';
export { render } from '../report/format.js';
export { renderGithubSummary } from '../report/github.js';
export { jsonChunks, writeJson } from '../report/json.js';
export { outputWidth } from '../report/wrap.js';
