import { describe, expect, it } from 'vitest';
import { buildLoginArgs, buildManagedIdentityLoginArgs } from '../../src/commands/login.js';

describe('buildLoginArgs', () => {
  it('passes the secret as @- (stdin), never as a value', () => {
    expect(buildLoginArgs({ clientId: 'app-id', tenantId: 'tenant-id' })).toEqual([
      'login', '--service-principal', '--username', 'app-id', '--password', '@-', '--tenant', 'tenant-id', '--output', 'none', '--only-show-errors',
    ]);
  });
  it('managed identity: system-assigned by default, user-assigned with a client id', () => {
    expect(buildManagedIdentityLoginArgs()).toEqual(['login', '--identity', '--output', 'none', '--only-show-errors']);
    expect(buildManagedIdentityLoginArgs({ clientId: 'mi-id' })).toEqual(['login', '--identity', '--username', 'mi-id', '--output', 'none', '--only-show-errors']);
  });
});
