import { describe, expect, it } from 'vitest';
import { parseCliArgs } from '../../../shared/cli/parse-cli-args.js';
import { runCli } from '../../../shared/cli/run-cli.js';

// A connection string pasted in the wrong place: its AccountKey must not come back in the error.
const KEY = 'S3cr3tAccountKey0123456789==';
const CS = `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${KEY};EndpointSuffix=core.windows.net`;

describe('a mistyped command line never echoes a value', () => {
  it.each([
    [['sweep', CS], 'unexpected argument: every value follows its flag'],
    [['sweep', '--alert-state', CS, CS], 'unexpected argument'],
    [['sweep', `--alert-stat=${CS}`], 'unknown option "--alert-stat"'],
    [['sweep', `--json=${CS}`], '--json takes no value'],
    [['sweep', '--json', '--alert-state'], '--alert-state needs a value'],
    [['serve', `--interval`], '--interval needs a value'],
    [[CS], 'unknown command (not shown'],
    [['sweeep'], 'unknown command "sweeep"'],
    [['sweep', `-x${CS}`], 'unknown option "-x"'],
  ])('%j', async (argv, expected) => {
    const parsed = parseCliArgs(argv);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toContain(expected);
    let out = '';
    const write = { write: (t: string) => (out += t) };
    expect(await runCli(argv, { stdout: write, stderr: write, env: {} })).toBe(64);
    expect(out).not.toContain(KEY);
    expect(out).not.toContain('AccountKey=');
  });
});
