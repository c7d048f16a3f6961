import { describe, expect, it } from 'vitest';
import { MASK } from '@iac-orchestrator/core';
import { sensitiveMarks, type ShownPlan } from '../src/plan-summary.js';
import { instanceAddress, normaliseState, providerName, type TfState } from '../src/state.js';
import { recordedJson } from './recorded.js';

const PASSWORD = 'pa55-w0rd-very-secret';

describe('state normalisation on recorded real state', () => {
  const raw = recordedJson<TfState>('basic.tfstate.json');

  for (const [label, extra] of [
    ['with `show -json` of the state', { shown: recordedJson('basic-show-state.json') }],
    ['with the saved plan\'s sensitivity marks', { sensitive: sensitiveMarks(recordedJson<ShownPlan>('basic-show-plan.json')) }],
    ['from the raw state alone (recovery without providers)', {}],
  ] as const) {
    it(`masks sensitive attributes and outputs, ${label}`, () => {
      const secrets: string[] = [];
      const snap = normaliseState({ raw, ...extra, secret: (v) => secrets.push(v) });
      expect(snap.raw).toBe(raw);
      expect(snap.outputs).toEqual({ app_name: 'app-first', network_id: expect.any(String), connection_string: MASK });
      const app = snap.resources.find((r) => r.id === 'terraform_data.app')!;
      expect(app).toMatchObject({ type: 'terraform_data', name: 'app', provider: 'terraform', status: 'created', dependencies: ['terraform_data.network'] });
      expect(app.attributes.input).toEqual({ name: 'first', password: MASK });
      expect(app.attributes.output).toEqual({ name: 'first', password: MASK });
      expect(JSON.stringify(snap.resources)).not.toContain(PASSWORD);
      expect(secrets).toContain(PASSWORD);
      expect(secrets).toContain(`postgres://app:${PASSWORD}@db:5432/app`);
      const network = snap.resources.find((r) => r.id === 'terraform_data.network')!;
      expect(network.attributes.input).toBe('net-first');
      expect(network.physicalId).toBe(snap.outputs.network_id);
    });
  }

  it('tainted instances are failed, data sources are left out, stream statuses are kept', () => {
    const partial = recordedJson<TfState>('partial-failure.tfstate.json');
    const withData: TfState = { ...partial, resources: [...(partial.resources ?? []), { mode: 'data', type: 'x', name: 'y', instances: [{ attributes: {} }] }] };
    const snap = normaliseState({ raw: withData, statuses: new Map([['terraform_data.first', 'updated']]), secret: () => undefined });
    expect(Object.fromEntries(snap.resources.map((r) => [r.id, r.status]))).toEqual({
      'terraform_data.first': 'updated',
      'terraform_data.second': 'created',
      'terraform_data.breaks': 'failed',
    });
  });

  it('masks attributes named like secrets even when nothing flags them', () => {
    const state: TfState = {
      resources: [{ mode: 'managed', type: 't', name: 'n', instances: [{ attributes: { id: 'i-1', admin_password: 'hunter2hunter2', nested: [{ api_token: 'tok-123456' }] } }] }],
    };
    const secrets: string[] = [];
    const [r] = normaliseState({ raw: state, secret: (v) => secrets.push(v) }).resources;
    expect(r!.attributes).toEqual({ id: 'i-1', admin_password: MASK, nested: [{ api_token: MASK }] });
    expect(secrets).toEqual(['hunter2hunter2', 'tok-123456']);
  });

  it('builds addresses and provider names the way Terraform prints them', () => {
    expect(instanceAddress('module.net', 'aws_subnet', 'a', 'x')).toBe('module.net.aws_subnet.a["x"]');
    expect(instanceAddress(undefined, 'aws_s3_bucket', 'b', 0)).toBe('aws_s3_bucket.b[0]');
    expect(instanceAddress(undefined, 'aws_ami', 'u', undefined, 'data')).toBe('data.aws_ami.u');
    expect(providerName('provider["registry.terraform.io/hashicorp/azurerm"]')).toBe('azurerm');
    expect(providerName('provider["terraform.io/builtin/terraform"]')).toBe('terraform');
  });
});

describe('schema-sensitive attributes from the raw state alone (recorded: terraform 1.11.4, hashicorp/aws 5.100.0)', () => {
  it('masks an attribute the provider schema marks sensitive though its value was a plain literal', () => {
    // aws_ssm_parameter.value is sensitive in the provider's schema only; Terraform 1.11 lists it in the
    // instance's sensitive_attributes, which is why plan no longer needs `show -json` for sensitivity.
    const raw = recordedJson<TfState>('aws-ssm-sensitive.tfstate.json');
    const secrets: string[] = [];
    const snap = normaliseState({ raw, sensitive: {}, secret: (v) => secrets.push(v) });
    const p = snap.resources.find((r) => r.id === 'aws_ssm_parameter.p')!;
    expect(p.attributes.value).toBe(MASK);
    expect(p.attributes.name).toBe('/x/y');
    expect(secrets).toContain('plain-literal-value');
    expect(JSON.stringify(snap.resources)).not.toContain('plain-literal-value');
  });
});
