import { describe, expect, it } from 'vitest';
import { displayUrl, refusalOf } from '../../src/notifications/subscriptions.js';

describe('allowed notification hosts', () => {
  const allowed = ['hooks.slack.com', '*.example.com', 'http://127.0.0.1:8080', 'https://outlook.office.com/'];

  it('accepts exact origins, exact host names over https, and subdomains of a wildcard', () => {
    for (const url of ['https://hooks.slack.com/services/T/B/X', 'https://a.example.com/x', 'https://a.b.example.com/x', 'http://127.0.0.1:8080/hook?x=1', 'https://outlook.office.com/webhook/abc']) {
      expect(refusalOf(url, allowed), url).toBeNull();
    }
  });

  it('refuses other hosts, plain http or another port for a host-name entry, look-alike names and credentials', () => {
    for (const url of [
      'http://hooks.slack.com/services/T/B/X', // a bare host name allows https only
      'https://hooks.slack.com:8443/x', // and the default port only
      'https://hooks.slack.com.evil.net/x',
      'https://evilhooks.slack.com/x',
      'https://example.com/x', // the wildcard is for subdomains
      'https://notexample.com/x',
      'http://127.0.0.1:8081/hook',
      'https://127.0.0.1:8080/hook', // an origin entry matches its scheme too
      'http://169.254.169.254/latest/meta-data',
    ]) {
      expect(refusalOf(url, allowed), url).toMatch(/is not an allowed notification host$/);
    }
    expect(refusalOf('https://user:pw@hooks.slack.com/x', allowed)).toBe('url must not carry credentials');
    expect(refusalOf('https://hooks.slack.com/x', [])).toMatch(/not enabled on this service/);
  });

  it('shows URLs without user info, query or fragment', () => {
    expect(displayUrl('https://u:p@h.example.com/a/b?token=s#f')).toBe('https://h.example.com/a/b');
    expect(displayUrl('https://hooks.slack.com/services/T/B/X', false)).toBe('https://hooks.slack.com/…');
  });
});
