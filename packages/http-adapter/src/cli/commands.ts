/** The client commands of the `iac-orchestrator` bin (beside `serve`); kept apart so cli.ts loads nothing else for them. */
export const CLIENT_COMMANDS = ['deploy', 'status', 'list', 'logs', 'plan', 'approve', 'reject', 'cancel', 'rollback', 'destroy', 'state', 'history', 'lock', 'unlock', 'me'] as const;

const GLOBAL_FLAGS = ['--url', '--token', '--json'];

/** Whether argv is a client command (`deploy ...`, or global client flags first: `--url X deploy ...`). */
export function isClientInvocation(argv: readonly string[]): boolean {
  const first = argv[0];
  if (first === undefined) return false;
  return (CLIENT_COMMANDS as readonly string[]).includes(first) || GLOBAL_FLAGS.some((f) => first === f || first.startsWith(`${f}=`));
}
