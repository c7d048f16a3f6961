/**
 * The standalone REST service, assembled by hand: what `iac-orchestrator serve` (and `npm start`) does,
 * for a service that wants its own store, executors or code source. Run: `npx tsx examples/standalone-rest/server.ts`.
 */
import { FileStateStore, Orchestrator } from '@iac-orchestrator/core';
import { TerraformExecutor } from '@iac-orchestrator/executor-terraform';
import { buildServer, HttpGeneratorCodeSource, parseApiTokens } from '@iac-orchestrator/http-adapter';

const orchestrator = new Orchestrator({
  store: new FileStateStore({ dataDir: process.env.ORCHESTRATOR_DATA_DIR ?? './.orchestrator-data' }),
  executors: [new TerraformExecutor({ workRoot: process.env.TERRAFORM_WORK_DIR })],
  codeSource: process.env.IAC_GENERATOR_URL ? new HttpGeneratorCodeSource({ baseUrl: process.env.IAC_GENERATOR_URL }) : undefined,
  credentials: process.env,
});
await orchestrator.recover();

const tokens = parseApiTokens(process.env.ORCHESTRATOR_API_TOKENS ?? '');
const app = buildServer({ orchestrator, tokens });
// Without tokens, stay on loopback: anyone who can reach the port could deploy.
await app.listen({ port: Number(process.env.PORT ?? 3004), host: tokens.length ? '0.0.0.0' : '127.0.0.1' });
console.log(`listening on ${app.server.address() && JSON.stringify(app.server.address())}`);

for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.once(sig, async () => {
    await app.close();
    await orchestrator.close(30_000);
    process.exit(0);
  });
}
