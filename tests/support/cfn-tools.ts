/**
 * cfn-lint and checkov from the project virtualenv, run once over many templates: each run costs
 * seconds of Python start-up, so callers batch every template into one call.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
// @ts-expect-error plain ESM script without types
import { ensureVenv, venvBin } from '../../scripts/venv.mjs';

/** How a cfn-lint finding ranks; Error and Warning fail the gate, Informational does not. */
export type LintLevel = 'Error' | 'Warning' | 'Informational';

/** One cfn-lint finding. */
export interface LintFinding {
  file: string;
  level: LintLevel;
  ruleId: string;
  message: string;
  path: ReadonlyArray<string | number>;
}

/** The outcome of one cfn-lint run. */
export interface LintResult {
  /** cfn-lint's exit code: a bitmask, 2 error, 4 warning, 8 info (1 is a crash or usage error). */
  exitCode: number;
  findings: LintFinding[];
  /** Findings at Error or Warning level: what makes a template fail the gate. */
  failures: LintFinding[];
  durationMs: number;
}

/** One checkov check result on a resource. */
export interface CheckovResult {
  /** Absolute path of the template. */
  file: string;
  checkId: string;
  resource: string;
  /** The skip's comment (from Metadata.checkov.skip), for skipped checks only. */
  comment?: string;
}

/** The outcome of one checkov run over a directory. */
export interface CheckovReport {
  /** checkov's exit code: 0 clean, 1 failed checks. */
  exitCode: number;
  passed: CheckovResult[];
  failed: CheckovResult[];
  skipped: CheckovResult[];
  parsingErrors: string[];
  durationMs: number;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

const venvTool = (tool: string): string => {
  (ensureVenv as (options: { quiet: boolean }) => string)({ quiet: true });
  return (venvBin as (name: string) => string)(tool);
};

const run = (command: string, args: readonly string[]): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        durationMs: Math.round(performance.now() - started),
      }),
    );
  });

interface RawLintFinding {
  Filename: string;
  Level: LintLevel;
  Message: string;
  Rule: { Id: string };
  Location: { Path: Array<string | number> };
}

/** Lints `files` in one cfn-lint run (`regions` defaults to cfn-lint's own, us-east-1). */
export const cfnLint = async (files: readonly string[], regions: readonly string[] = []): Promise<LintResult> => {
  const args = ['--format', 'json', ...(regions.length > 0 ? ['--regions', ...regions] : []), '--', ...files];
  const result = await run(venvTool('cfn-lint'), args);
  // Bit 1 (exit 1) is a crash or usage error, not a finding: there is no verdict to report.
  if ((result.code & 1) === 1 || result.code < 0) {
    throw new Error(`cfn-lint failed to run (exit ${result.code}): ${result.stderr || result.stdout}`);
  }
  const raw = JSON.parse(result.stdout || '[]') as RawLintFinding[];
  const findings = raw.map((f) => ({ file: f.Filename, level: f.Level, ruleId: f.Rule.Id, message: f.Message, path: f.Location.Path }));
  return {
    exitCode: result.code,
    findings,
    failures: findings.filter((f) => f.level === 'Error' || f.level === 'Warning'),
    durationMs: result.durationMs,
  };
};

interface RawCheck {
  check_id: string;
  file_path: string;
  resource: string;
  check_result: { suppress_comment?: string };
}

interface RawCheckovReport {
  results?: { passed_checks?: RawCheck[]; failed_checks?: RawCheck[]; skipped_checks?: RawCheck[]; parsing_errors?: string[] };
}

/** Runs checkov's CloudFormation checks once over every template in `dir` (offline: no platform download). */
export const checkov = async (dir: string): Promise<CheckovReport> => {
  const args = ['-d', dir, '--framework', 'cloudformation', '-o', 'json', '--skip-download'];
  const result = await run(venvTool('checkov'), args);
  if (result.code !== 0 && result.code !== 1) {
    throw new Error(`checkov failed to run (exit ${result.code}): ${result.stderr || result.stdout}`);
  }
  // One framework gives one report object; several would give an array of them.
  const parsed = JSON.parse(result.stdout) as RawCheckovReport | RawCheckovReport[];
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  // checkov names files relative to the scanned directory, with a leading slash.
  const toResult = (check: RawCheck): CheckovResult => ({
    file: join(dir, check.file_path),
    checkId: check.check_id,
    resource: check.resource,
    ...(check.check_result.suppress_comment === undefined ? {} : { comment: check.check_result.suppress_comment }),
  });
  const all = (pick: (r: NonNullable<RawCheckovReport['results']>) => RawCheck[] | undefined): CheckovResult[] =>
    reports.flatMap((r) => (r.results === undefined ? [] : (pick(r.results) ?? []).map(toResult)));
  return {
    exitCode: result.code,
    passed: all((r) => r.passed_checks),
    failed: all((r) => r.failed_checks),
    skipped: all((r) => r.skipped_checks),
    parsingErrors: reports.flatMap((r) => r.results?.parsing_errors ?? []),
    durationMs: result.durationMs,
  };
};

/** Groups results by file, for messages that name the template that failed. */
export const byFile = <T extends { file: string }>(items: readonly T[]): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(item.file, [...(groups.get(item.file) ?? []), item]);
  return groups;
};
