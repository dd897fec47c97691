import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(import.meta.dirname, '..', '..');

/**
 * Runs remediation commands (`aws s3api …`, `aws kms …`, `aws iam …`, JSON arguments) against the emulator, one
 * after the other, the way the AWS CLI would (tests/support/aws_cli.py, on the project's botocore).
 */
export const runAwsCli = async (endpoint: string, commands: readonly string[]): Promise<unknown[]> => {
  const out: unknown[] = [];
  for (const command of commands) {
    const { stdout } = await promisify(execFile)(join(root, '.venv', 'bin', 'python'), [join(root, 'tests', 'support', 'aws_cli.py'), endpoint, command]).catch((e: Error & { stderr?: string }) => {
      throw new Error(`${command.slice(0, 120)}…: ${e.stderr ?? e.message}`);
    });
    out.push(JSON.parse(stdout));
  }
  return out;
};
