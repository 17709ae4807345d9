import type { Reporter, TestModule } from 'vitest/node';

/** Ends the run with `N passed, N failed` and names every skipped test with its reason. */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    const skipped: string[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') passed += 1;
        else if (result.state === 'failed') failed += 1;
        else if (result.state === 'skipped') {
          skipped.push(`${test.fullName}${result.note ? ` (${result.note})` : ''}`);
        }
      }
      // Errors outside tests (a failing beforeAll, an import error) count as failures too.
      failed += module.errors().length;
      for (const suite of module.children.allSuites()) failed += suite.errors().length;
    }
    // An error outside any test (a crashed worker) fails the run too.
    failed += unhandledErrors.length;
    for (const name of skipped) process.stdout.write(`skipped: ${name}\n`);
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
  }
}
