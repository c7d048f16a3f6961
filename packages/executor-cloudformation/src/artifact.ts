import { ValidationError } from '@iac-orchestrator/core';
import type { ChangeSetType } from './commands/create-change-set.js';
import type { StackParameter } from './parameters.js';

interface ArtifactBase {
  formatVersion: 1;
  stackName: string;
  stackId: string | null;
}

/**
 * The saved plan, stored as JSON by the orchestrator. The change set itself lives in CloudFormation; the
 * artifact names exactly that change set (ARN), so apply in any process executes what was approved.
 * It holds no secret: NoEcho parameters appear as `UsePreviousValue`.
 */
export type CloudFormationArtifact =
  | (ArtifactBase & {
      kind: 'change-set';
      changeSetId: string;
      changeSetName: string;
      changeSetType: ChangeSetType;
      templateDigest: string;
      templateFile: string;
      parameters: StackParameter[];
      noEchoKeys: string[];
    })
  | (ArtifactBase & { kind: 'no-changes'; templateDigest: string; templateFile: string; parameters: StackParameter[]; noEchoKeys: string[] })
  | (ArtifactBase & { kind: 'destroy' });

/** Checks an artifact read back from the store (it may come from another process or version). */
export function parseArtifact(a: unknown): CloudFormationArtifact {
  const o = a as Partial<CloudFormationArtifact> | null;
  const ok =
    !!o &&
    typeof o === 'object' &&
    o.formatVersion === 1 &&
    typeof o.stackName === 'string' &&
    (o.kind === 'destroy' ||
      ((o.kind === 'no-changes' || o.kind === 'change-set') && typeof o.templateDigest === 'string' && Array.isArray(o.parameters))) &&
    (o.kind !== 'change-set' || (typeof o.changeSetId === 'string' && (o.changeSetType === 'CREATE' || o.changeSetType === 'UPDATE')));
  if (!ok) throw new ValidationError('The saved plan is not a CloudFormation plan artifact of this executor', 'plan');
  return o as CloudFormationArtifact;
}
