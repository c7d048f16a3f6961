import { describe, expect, it } from 'vitest';
import { Redactor } from '@iac-orchestrator/core';
import { azureCliError, parseAzureError } from '../src/az-errors.js';

// Each stderr below has the shape az 2.45 prints (sources: azure-cli resource/_utils.py,
// core/commands/arm.py, azure-core HttpResponseError, MSAL sign-in errors).
describe('parseAzureError', () => {
  it('JSON body with Inner Errors blocks', () => {
    const e = parseAzureError('ERROR: {"code": "InvalidTemplateDeployment", "message": "not valid"}\n\nInner Errors: \n{"code": "InvalidParameter", "message": "bad sku"}');
    expect(e).toEqual({ code: 'InvalidTemplateDeployment', message: 'not valid', inner: [{ code: 'InvalidParameter', message: 'bad sku' }] });
  });
  it('a long-running failure body {status, error{code, details}}', () => {
    const e = parseAzureError('ERROR: {"status":"Failed","error":{"code":"DeploymentFailed","message":"At least one resource deployment operation failed.","details":[{"code":"Conflict","message":"busy"}]}}');
    expect(e).toEqual({ code: 'DeploymentFailed', message: 'At least one resource deployment operation failed.', inner: [{ code: 'Conflict', message: 'busy' }] });
  });
  it('azure-core (Code) message form', () => {
    const e = parseAzureError("ERROR: (ResourceGroupNotFound) Resource group 'rg' could not be found.\nCode: ResourceGroupNotFound\nMessage: Resource group 'rg' could not be found.");
    expect(e).toMatchObject({ code: 'ResourceGroupNotFound', message: "Resource group 'rg' could not be found." });
  });
  it('preflight "Code - message" lines', () => {
    const e = parseAzureError('ERROR: InvalidTemplate - Deployment template validation failed.\nInvalidResourceType - The resource type is not supported.');
    expect(e).toEqual({ code: 'InvalidTemplate', message: 'Deployment template validation failed.', inner: [{ code: 'InvalidResourceType', message: 'The resource type is not supported.' }] });
  });
  it('sign-in and plain messages', () => {
    expect(parseAzureError('ERROR: AADSTS7000215: Invalid client secret provided.').code).toBe('AADSTS7000215');
    expect(parseAzureError("ERROR: Please run 'az login' to setup account.")).toEqual({ code: null, message: "Please run 'az login' to setup account.", inner: [] });
    expect(parseAzureError('').message).toBe('no error output');
  });
});

describe('azureCliError', () => {
  it('carries the code, exit code and a redacted message', () => {
    const r = new Redactor(['hunter2-secret']);
    const e = azureCliError('az deployment group create', { stderr: 'ERROR: (AuthorizationFailed) client hunter2-secret may not write', exitCode: 1 }, r);
    expect(e.code).toBe('EXECUTOR_ERROR');
    expect(e.azureCode).toBe('AuthorizationFailed');
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe('az deployment group create failed: AuthorizationFailed: client *** may not write');
    expect(e.details).toMatchObject({ toolCode: 'AuthorizationFailed', exitCode: 1 });
  });
});
