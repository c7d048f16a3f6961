/** The client commands of the `iac-orchestrator` bin (beside `serve`); kept apart so cli.ts loads nothing else for them. */
export const CLIENT_COMMANDS = ['deploy', 'status', 'list', 'logs', 'plan', 'approve', 'reject', 'cancel', 'rollback', 'destroy', 'state', 'history', 'lock', 'unlock', 'me'] as const;
