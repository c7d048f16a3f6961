/** `terraform state pull`: the current state from whatever backend the bundle configured (takes no flags). */
export function buildStatePullArgs(): string[] {
  return ['state', 'pull'];
}
