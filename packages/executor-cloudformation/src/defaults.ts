/**
 * Every default of the executor in one place. The standalone service builds the executor from env vars
 * (`CFN_WORK_DIR` for `workRoot`); see `optionsFromEnv`.
 */
export const DEFAULTS = {
  /** The AWS CLI (v1 or v2) found on PATH. */
  binary: 'aws',
  /** How often stack events, stack status and change-set status are read while something runs. */
  pollIntervalMs: 2_000,
  /** After a cancel or timeout: how long to wait for the stack to reach a stable state before the state
   * is read and returned as it stands. */
  cancelGraceMs: 5 * 60_000,
  /** Prefix of stack names made from blueprint and environment. */
  stackNamePrefix: 'iac-',
  /** Upper bound of one `aws` call; the CLI retries itself inside it. */
  callTimeoutMs: 120_000,
  /** Stack events written to the log after a failure, cancel or timeout. */
  lastEventsInLog: 10,
  /** `cfn-lint` binary for the optional extra validation. */
  cfnLintBinary: 'cfn-lint',
} as const;

/** CloudFormation rejects a `--template-body` larger than this (bigger ones need an S3 template URL). */
export const TEMPLATE_BODY_MAX_BYTES = 51_200;

/** Change set names: `iac-<deploymentId>`, so any process (apply, cleanup, recovery) can find them. */
export const CHANGE_SET_PREFIX = 'iac-';

/** Tag keys the executor sets on every stack (stable values only: changing stack tags changes resources). */
export const TAG_PREFIX = 'iac-orchestrator:';
