import { OrchestratorClient } from '../../src/client/index.js';

/** The token is kept for this tab only (sessionStorage): closing the tab forgets it. */
const KEY = 'iac-orchestrator.token';

export const savedToken = (): string | null => sessionStorage.getItem(KEY);
export const saveToken = (token: string): void => sessionStorage.setItem(KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(KEY);

/** The API sits beside the console: `/iac/ui/` → `/iac` when the adapter is mounted under a prefix. */
const apiBase = (): string => location.pathname.replace(/\/ui(\/.*)?$/, '');

/** A client of the service that serves this page (same origin), with the tab's token if any. */
export const clientFor = (token: string | null): OrchestratorClient => new OrchestratorClient({ baseUrl: apiBase(), token });
