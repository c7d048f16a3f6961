import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DeployInputSchema, FORMAT_PATTERN, RollbackInputSchema } from '@iac-orchestrator/core';
import { buildOpenApiDocument } from '../src/openapi.js';

describe('OpenAPI document', () => {
  const doc = buildOpenApiDocument() as any;

  it('lists every endpoint of the spec and of the lifecycle', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/api/deployments',
        '/api/deployments/{id}',
        '/api/deployments/{id}/logs',
        '/api/deployments/{id}/cancel',
        '/api/deployments/{id}/approve',
        '/api/deployments/{id}/reject',
        '/api/deployments/{id}/rollback',
        '/api/deployments/{id}/destroy',
        '/api/deployments/{id}/drift',
        '/api/deployments/{id}/state',
        '/api/deployments/{id}/state/lock',
        '/api/deployments/{id}/state/unlock',
        '/api/deployments/{id}/state/history',
        '/api/integrations/slack/actions',
        '/api/deployment-groups',
        '/api/deployment-groups/{id}',
        '/api/deployment-groups/{id}/approve',
        '/api/deployment-groups/{id}/reject',
        '/api/deployments/{id}/notifications',
        '/api/me',
        '/health',
        '/ready',
        '/metrics',
        '/openapi.json',
      ].sort(),
    );
  });

  it('generates request bodies from the same zod schemas that validate them', () => {
    const { $schema: _a, ...deploy } = z.toJSONSchema(DeployInputSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    expect(doc.components.schemas.DeployInput).toEqual(deploy);
    // Open formats: a pattern, with the formats this repository ships as examples.
    expect(doc.components.schemas.DeployInput.properties.format).toMatchObject({ pattern: FORMAT_PATTERN.source, examples: ['terraform', 'bicep', 'cloudformation'] });
    const { $schema: _b, ...rollback } = z.toJSONSchema(RollbackInputSchema, { io: 'input' }) as Record<string, unknown>;
    expect(doc.components.schemas.RollbackInput).toEqual(rollback);
    expect(doc.paths['/api/deployments'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/DeployInput' });
    // Git sources: the request's source.git, and the commit shown on the deployment and each state version.
    expect(doc.components.schemas.DeployInput.properties.source.properties.git).toMatchObject({ required: ['url', 'ref'], additionalProperties: false });
    expect(Object.keys(doc.components.schemas.DeployInput.properties.source.properties.git.properties).sort()).toEqual(['path', 'ref', 'url']);
    expect(JSON.stringify(doc.components.schemas.Deployment.properties.source)).toContain('"commit"');
    expect(JSON.stringify(doc.components.schemas.StateHistory)).toContain('"commit"');
  });

  it('documents query filters, roles and error answers', () => {
    const list = doc.paths['/api/deployments'].get;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['blueprintId', 'cursor', 'environment', 'limit', 'status']);
    expect(list['x-required-role']).toBe('viewer');
    expect(doc.paths['/api/deployments/{id}/approve'].post['x-required-role']).toBe('approver');
    expect(Object.keys(doc.paths['/api/deployments'].post.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '403', '404', '413', '415']));
    expect(doc.paths['/health'].get.security).toEqual([]);
  });
});
