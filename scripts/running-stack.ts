// Where `npm start` leaves the address of the stack it runs, so that other local commands (npm run
// launch) find its emulator without being told. One file per worktree: the last `npm start` wins.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', '.local', 'running-stack.json');

/** What a running `npm start` tells other commands. */
export interface RunningStack {
  pid: number;
  baseUrl: string;
  emulatorEndpoint: string;
}

/** Records the stack this process runs. */
export const recordRunningStack = (stack: RunningStack): void => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(stack));
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The stack `npm start` runs now, or null when none does (no file, or its process is gone). */
export const runningStack = (): RunningStack | null => {
  if (!existsSync(file)) return null;
  const stack = JSON.parse(readFileSync(file, 'utf8')) as RunningStack;
  return alive(stack.pid) ? stack : null;
};

/** Removes the record if it is still this process's (a later `npm start` may have replaced it). */
export const forgetRunningStack = (pid: number): void => {
  if (runningStack()?.pid === pid) rmSync(file, { force: true });
};
