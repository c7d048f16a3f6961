import { buildPlanArgs, type PlanOptions } from './plan.js';

export type DestroyPlanOptions = Omit<PlanOptions, 'destroy' | 'refreshOnly'>;

/**
 * A destroy is planned like any change (`plan -destroy -out=…`) and then applied from that saved plan,
 * so what an approver saw is exactly what is removed; we never run `terraform destroy -auto-approve`.
 */
export function buildDestroyPlanArgs(opts: DestroyPlanOptions = {}): string[] {
  return buildPlanArgs({ ...opts, destroy: true });
}
