import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findCommand } from './prerequisites.js';

export const hasGit = (): boolean => findCommand('git') !== null;

/** A Terraform config with one terraform_data resource and a `version` output: no provider needed. */
export const terraformAt = (name: string): string =>
  `resource "terraform_data" "${name}" {\n  input = "${name}"\n}\n\noutput "version" {\n  value = terraform_data.${name}.output\n}\n`;

/** A local bare Git repository built with the real git CLI (argv arrays, an isolated HOME). */
export class BareRepo {
  private constructor(
    readonly root: string,
    /** The bare repository's directory. */
    readonly dir: string,
    private readonly work: string,
  ) {}

  /** `file://` URL of the bare repository. */
  get url(): string {
    return `file://${this.dir}`;
  }

  static async create(): Promise<BareRepo> {
    const root = await mkdtemp(join(tmpdir(), 'git-fixture-'));
    const repo = new BareRepo(root, join(root, 'remote.git'), join(root, 'work'));
    await mkdir(join(root, 'home'));
    repo.git(root, 'init', '--quiet', '--bare', '--initial-branch=main', repo.dir);
    repo.git(root, 'init', '--quiet', '--initial-branch=main', repo.work);
    return repo;
  }

  /** Writes files (a `null` content deletes; `{symlink}` makes a link), commits, pushes `main`; returns the SHA. */
  async commit(message: string, files: Record<string, string | null | { symlink: string }>, branch = 'main'): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      const p = join(this.work, path);
      await mkdir(dirname(p), { recursive: true });
      await rm(p, { force: true });
      if (content === null) continue;
      if (typeof content === 'string') await writeFile(p, content);
      else await symlink(content.symlink, p);
    }
    this.git(this.work, 'add', '--all');
    this.git(this.work, 'commit', '--quiet', '-m', message);
    this.git(this.work, 'push', '--quiet', this.dir, `HEAD:refs/heads/${branch}`);
    return this.git(this.work, 'rev-parse', 'HEAD').trim();
  }

  /** An annotated tag on a commit, pushed. */
  tag(name: string, commit: string): void {
    this.git(this.work, 'tag', '-a', '-m', name, name, commit);
    this.git(this.work, 'push', '--quiet', this.dir, `refs/tags/${name}`);
  }

  git(cwd: string, ...args: string[]): string {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: join(this.root, 'home'), GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
    return execFileSync('git', args, { cwd, env, encoding: 'utf8' });
  }

  async dispose(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}
