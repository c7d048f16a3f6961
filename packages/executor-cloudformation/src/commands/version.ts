/** `aws --version`: readiness. v1 printed it on stderr for a long time, v2 on stdout; both are read. */
export function buildVersionArgs(): string[] {
  return ['--version'];
}

/** "aws-cli/1.45.11 Python/3.11.7 ..." → "1.45.11". */
export function parseVersion(text: string): string | null {
  const m = /aws-cli\/(\d+\.\d+\.\d+)/.exec(text);
  return m ? m[1] : null;
}
