import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where the machine image may keep its filesystem mirror of providers (the folder holding `registry.terraform.io/…`). */
const CANDIDATES = (): Array<string | undefined> => [
  process.env.TF_PROVIDER_MIRROR,
  '/opt/tf-plugins',
  '/usr/share/terraform/plugins',
  '/usr/local/share/terraform/plugins',
  process.env.HOME ? join(process.env.HOME, '.terraform.d', 'plugins') : undefined,
];

/**
 * Why a mirror's hashicorp/aws provider cannot run, or null when it looks like the real plugin: an ELF
 * executable of some size in `hashicorp/aws/<version>/<os_arch>/`. A folder that only exists is not
 * enough: a damaged binary (this happened: a stand-in written over it through a plugin cache's link)
 * would otherwise fail every AWS test with an obscure plugin error instead of naming the cause.
 */
export function awsProviderProblem(mirror: string): string | null {
  const root = join(mirror, 'registry.terraform.io', 'hashicorp', 'aws');
  try {
    for (const version of readdirSync(root)) {
      for (const platform of readdirSync(join(root, version))) {
        for (const file of readdirSync(join(root, version, platform)).filter((f) => f.startsWith('terraform-provider-aws'))) {
          const path = join(root, version, platform, file);
          const head = Buffer.alloc(4);
          const fd = openSync(path, 'r');
          try {
            readSync(fd, head, 0, 4, 0);
          } finally {
            closeSync(fd);
          }
          const size = statSync(path).size;
          if (head.toString('latin1') === '\x7fELF' && size > 10 * 1024 * 1024) return null;
          return `the hashicorp/aws provider at ${path} is damaged (${size} bytes, not the plugin executable): this machine's provider mirror needs to be provisioned again`;
        }
      }
    }
    return `no hashicorp/aws provider binary under ${root}`;
  } catch (e) {
    return `cannot read ${root}: ${(e as Error).message}`;
  }
}

/** The first candidate folder holding `registry.terraform.io/hashicorp/aws` (damaged or not), or null. */
export function providerMirrorDir(): string | null {
  return CANDIDATES().find((c): c is string => Boolean(c) && existsSync(join(c!, 'registry.terraform.io', 'hashicorp', 'aws'))) ?? null;
}

/** The mirror when its aws provider is usable, with the reason otherwise (for a prerequisite's message). */
export function awsProviderMirror(): { mirror: string | null; reason: string } {
  const dir = providerMirrorDir();
  if (!dir) return { mirror: null, reason: 'no provider mirror: set TF_PROVIDER_MIRROR to the folder holding registry.terraform.io/hashicorp/aws' };
  const problem = awsProviderProblem(dir);
  return problem ? { mirror: null, reason: problem } : { mirror: dir, reason: '' };
}
