import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

/** What a test file printed about a skip (prerequisite() and skipTest() both print `[skipped] reason`). */
const SKIP_LINE = /\[skipped\]\s*(.+)/;

/**
 * Prints the skipped tests grouped by file and reason, then one plain closing line,
 * `N passed, N failed, N skipped`, that any CI can read whatever runner it knows (vitest's own summary
 * is styled for people). A skip's reason is its `ctx.skip(note)`, else the `[skipped] …` lines its file,
 * suite or test printed; a skip with neither says so, so a silent skip stands out.
 */
export default class SummaryReporter implements Reporter {
  /** `[skipped]` lines by the id of the task (file, suite or test) that printed them. */
  private readonly skipLines = new Map<string, string[]>();

  onUserConsoleLog(log: { content: string; taskId?: string }): void {
    const m = SKIP_LINE.exec(log.content);
    if (!m || !log.taskId) return;
    const lines = this.skipLines.get(log.taskId) ?? [];
    const line = m[1].trim();
    if (!lines.includes(line)) lines.push(line);
    this.skipLines.set(log.taskId, lines);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skips = new Map<string, number>();
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        const result = t.result();
        if (result.state === 'passed') passed++;
        else if (result.state === 'failed') failed++;
        else {
          skipped++;
          const reason = (result.state === 'skipped' && result.note) || this.reasonFor(t, m) || 'no reason printed';
          const key = `${relative(process.cwd(), m.moduleId)}: ${reason}`;
          skips.set(key, (skips.get(key) ?? 0) + 1);
        }
      }
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++; // a file that failed to load
    }
    if (skips.size) {
      process.stdout.write('\nSkipped:\n');
      for (const [key, n] of skips) process.stdout.write(`  ${n} × ${key}\n`);
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }

  /** The `[skipped]` lines printed by the test, its suites or its file, nearest first. */
  private reasonFor(test: TestCase, module: TestModule): string | null {
    const ids = [test.id];
    for (let p = test.parent; p.type === 'suite'; p = p.parent) ids.push(p.id);
    ids.push(module.id);
    for (const id of ids) {
      const lines = this.skipLines.get(id);
      if (lines?.length) return lines.join('; ');
    }
    return null;
  }
}
