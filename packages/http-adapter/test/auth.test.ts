import { describe, expect, it } from 'vitest';
import { authenticate, bearerToken, callerOf, hasRole, parseApiTokens, TokenConfigError } from '../src/auth.js';

const T1 = 'tok-viewer-0123456789';
const T2 = 'tok-admin:with:colons-0123';

describe('parseApiTokens (name:role:token, comma-separated)', () => {
  it('parses entries, the token being everything after the second colon', () => {
    const tokens = parseApiTokens(` alice:viewer:${T1} , root:admin:${T2}`);
    expect(tokens.map((t) => [t.name, t.role])).toEqual([
      ['alice', 'viewer'],
      ['root', 'admin'],
    ]);
    expect(authenticate(tokens, T2)).toEqual({ name: 'root', role: 'admin' });
  });

  it('rejects malformed entries without echoing the token', () => {
    const bad = ['alice', 'alice:viewer', `alice:owner:${T1}`, 'alice:viewer:short', `a b:viewer:${T1}`, `x:viewer:${T1},x:admin:${T2}`];
    for (const spec of bad) {
      let err: unknown;
      try {
        parseApiTokens(spec);
      } catch (e) {
        err = e;
      }
      expect(err, spec).toBeInstanceOf(TokenConfigError);
      expect((err as Error).message).not.toContain(T1);
      expect((err as Error).message).not.toContain('short');
    }
  });

  it('an empty value means no tokens', () => {
    expect(parseApiTokens('')).toEqual([]);
    expect(parseApiTokens(' , ')).toEqual([]);
  });
});

describe('authenticate', () => {
  const tokens = parseApiTokens(`alice:viewer:${T1},root:admin:${T2}`);
  it('finds the owner of a token and nobody for an unknown or prefix token', () => {
    expect(authenticate(tokens, T1)).toEqual({ name: 'alice', role: 'viewer' });
    expect(authenticate(tokens, `${T1}x`)).toBeNull();
    expect(authenticate(tokens, T1.slice(0, -1))).toBeNull();
    expect(authenticate(tokens, '')).toBeNull();
  });
});

describe('roles', () => {
  it('are ordered viewer < deployer < approver < admin', () => {
    expect(hasRole('admin', 'approver')).toBe(true);
    expect(hasRole('approver', 'deployer')).toBe(true);
    expect(hasRole('deployer', 'approver')).toBe(false);
    expect(hasRole('viewer', 'deployer')).toBe(false);
  });
  it('approvers and admins may approve; only admins are admins; the caller id is the token name', () => {
    expect(callerOf({ name: 'bob', role: 'approver' })).toEqual({ id: 'bob', canApprove: true, admin: false });
    expect(callerOf({ name: 'ci', role: 'deployer' })).toEqual({ id: 'ci', canApprove: false, admin: false });
    expect(callerOf({ name: 'root', role: 'admin' })).toEqual({ id: 'root', canApprove: true, admin: true });
  });
});

describe('bearerToken', () => {
  it('reads only the Bearer scheme', () => {
    expect(bearerToken(`Bearer ${T1}`)).toBe(T1);
    expect(bearerToken(`bearer   ${T1}`)).toBe(T1);
    expect(bearerToken(`Basic ${T1}`)).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
    expect(bearerToken('Bearer a b')).toBeNull();
  });
});
