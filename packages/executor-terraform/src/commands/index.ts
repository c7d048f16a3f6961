export { buildInitArgs, type InitOptions } from './init.js';
export { buildPlanArgs, type PlanOptions } from './plan.js';
export { buildDestroyPlanArgs, type DestroyPlanOptions } from './destroy.js';
export { buildApplyArgs, type ApplyOptions } from './apply.js';
export { buildShowArgs, type ShowOptions } from './show.js';
export { buildOutputArgs, type OutputOptions } from './output.js';
export { buildStatePullArgs } from './state-pull.js';
export { buildVersionArgs } from './version.js';
export { buildAutoApplyArgs, type AutoApplyOptions } from './auto-apply.js';
