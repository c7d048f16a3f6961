import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBundle, stackKeyOf, type ExecutorContext, type ExecutorEvent, type Operation, type StackRef } from '@iac-orchestrator/core';

const here = dirname(fileURLToPath(import.meta.url));

/** A fixture template's text. */
export function fixture(name: string): string {
  return readFileSync(join(here, '..', 'fixtures', 'templates', name), 'utf8');
}

export interface TestContext {
  ctx: ExecutorContext;
  events: ExecutorEvent[];
  secrets: string[];
  controller: AbortController;
  logs(): string[];
  resourceEvents(): Array<Extract<ExecutorEvent, { type: 'resource' }>>;
  dispose(): void;
}

let counter = 0;

/**
 * An ExecutorContext as the orchestrator builds one: a fresh 0700 work dir, the bundle, the prior raw state,
 * the cloud env, and `emit` / `secret` recorded for assertions.
 */
export function makeContext(o: {
  blueprintId: string;
  environment?: string;
  operation?: Operation;
  files: Record<string, string>;
  variables?: Record<string, unknown>;
  options?: Record<string, unknown>;
  env: Record<string, string>;
  priorState?: unknown;
  deploymentId?: string;
  /** A deployment group's target (name and region), as the orchestrator passes one. */
  target?: { name: string; region: string };
}): TestContext {
  const stack: StackRef = { blueprintId: o.blueprintId, environment: o.environment ?? 'dev', targetCloud: 'aws', format: 'cloudformation', ...(o.target ? { target: o.target.name, region: o.target.region } : {}) };
  const workDir = mkdtempSync(join(tmpdir(), 'cfn-exec-test-'));
  const events: ExecutorEvent[] = [];
  const secrets: string[] = [];
  const controller = new AbortController();
  const ctx: ExecutorContext = {
    deploymentId: o.deploymentId ?? `dep-${process.pid}-${Date.now()}-${++counter}`,
    stack,
    stackKey: stackKeyOf(stack),
    operation: o.operation ?? 'apply',
    workDir,
    bundle: makeBundle(o.files),
    priorState: o.priorState ?? null,
    variables: o.variables ?? {},
    env: o.env,
    parallelism: 10,
    options: o.options ?? {},
    signal: controller.signal,
    emit: (e) => events.push(e),
    secret: (v) => secrets.push(v),
  };
  return {
    ctx,
    events,
    secrets,
    controller,
    logs: () => events.flatMap((e) => (e.type === 'log' ? [e.message] : [])),
    resourceEvents: () => events.filter((e): e is Extract<ExecutorEvent, { type: 'resource' }> => e.type === 'resource'),
    dispose: () => rmSync(workDir, { recursive: true, force: true }),
  };
}
