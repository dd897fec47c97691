import { setMaxListeners } from 'node:events';
import { VERIFY_PROBE_PREFIX } from '../../templates/grants.js';
import { BUCKET_CHECKS } from './bucket-checks.js';
import { CHECK_IDS, overallStatus, planChecks, type BucketExpectation, type CheckId, type CheckResult, type SkippedCheck, type VerificationResult } from './checks.js';
import { CallError, failed, type Check, type CheckContext, type Operation, type Outcome, type VerifyDeps } from './check-context.js';
import { checkEncryption } from './encryption-check.js';
import { KEY_CHECKS } from './key-checks.js';
import { checkProbe } from './probe.js';
import { errorName, outcomeOfError } from './remediation.js';

/** Time limits of one run. */
export interface VerifyOptions {
  /**
   * Hard limit for the whole run, enforced with setTimeout (so tests can use fake timers); unfinished
   * checks fail with a timeout and their calls are aborted. Default 20 000 ms.
   */
  budgetMs?: number;
  /** Re-run failed checks with exponential back-off until they pass or this much time has gone. Default 0. */
  retryForMs?: number;
}

/** Default of {@link VerifyOptions.budgetMs}. */
export const DEFAULT_BUDGET_MS = 20_000;
/** First back-off delay of a retried check; doubles up to {@link MAX_BACKOFF_MS}. */
export const INITIAL_BACKOFF_MS = 500;
/** Longest back-off delay between two attempts of a check. */
export const MAX_BACKOFF_MS = 8_000;

// A call marked pure, not an object spread (which a bundler must keep, as spreading may run getters):
// a bundle that imports the verification's module but never verifies (DELETE /byob/{id}) drops every
// check and the S3 and KMS clients with them.
const CHECKS: Record<CheckId, Check> = /* @__PURE__ */ Object.assign({}, BUCKET_CHECKS, { encryption: checkEncryption }, KEY_CHECKS, { probe: checkProbe });

/** A check's result as the runner collects it, before checks that follow from another's failure are set aside. */
type Collected = CheckResult & { blockedBy?: CheckId };

/**
 * Sets aside the checks that failed only because another one did (a deleted bucket fails every
 * bucket read; a disabled key fails every use of it): they are reported as skipped, naming the check
 * that failed, so one break shows as one failed check.
 */
export const setAsideConsequences = (collected: Collected[]): { checks: CheckResult[]; skipped: SkippedCheck[] } => {
  const failedIds = new Set(collected.filter((c) => c.status === 'failed').map((c) => c.id));
  const checks: CheckResult[] = [];
  const skipped: SkippedCheck[] = [];
  for (const { blockedBy, ...result } of collected) {
    if (result.status === 'failed' && blockedBy && blockedBy !== result.id && failedIds.has(blockedBy)) {
      skipped.push({ id: result.id, reason: `Not checked: it follows from the failed ${blockedBy} check.` });
    } else {
      checks.push(result);
    }
  }
  return { checks, skipped };
};

interface RunState {
  operation?: Operation;
  attempts: number;
  lastFailure?: Collected;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Verifies an existing bucket (and its KMS key) against `expectation`. Independent checks run
 * concurrently within `options.budgetMs`; failed checks are re-run with back-off for
 * `options.retryForMs` (IAM and KMS changes take a while to propagate). Never throws for an AWS
 * error: each maps to a failed check with a detail and a remediation.
 */
export const verifyBucket = async (deps: VerifyDeps, expectation: BucketExpectation, options: VerifyOptions = {}): Promise<VerificationResult> => {
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const retryForMs = options.retryForMs ?? 0;
  const sleep = deps.sleep ?? defaultSleep;
  const started = deps.clock();
  const elapsed = () => deps.clock().getTime() - started.getTime();
  const controller = new AbortController();
  // One signal serves every concurrent call (each SDK request adds a listener to it).
  setMaxListeners(100, controller.signal);
  const { run, skipped } = planChecks(expectation, deps.kms !== undefined);

  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(undefined);
    }, budgetMs);
  });

  const runCheck = async (id: CheckId, state: RunState): Promise<Collected> => {
    const ctx: CheckContext = {
      deps,
      exp: expectation,
      kms: deps.kms,
      checkedAt: started.toISOString(),
      async call(operation, send) {
        state.operation = operation;
        try {
          return await send({ abortSignal: controller.signal });
        } catch (error) {
          throw new CallError(operation, error);
        } finally {
          state.operation = undefined;
        }
      },
    };
    let delay = INITIAL_BACKOFF_MS;
    for (;;) {
      state.attempts++;
      let outcome: Outcome;
      try {
        outcome = await CHECKS[id](ctx);
      } catch (error) {
        outcome = error instanceof CallError ? outcomeOfError(id, error.operation, error.cause, expectation) : failed(`The check failed unexpectedly (${errorName(error)}).`, 'Retry the verification; if it fails again, contact support and quote this check.');
      }
      const result: Collected = { id, ...outcome };
      if (result.status !== 'failed' || controller.signal.aborted) return withAttempts(result, state.attempts);
      state.lastFailure = withAttempts(result, state.attempts);
      if (elapsed() + delay > Math.min(retryForMs, budgetMs)) return state.lastFailure;
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    }
  };

  const timedOut = (id: CheckId, state: RunState): Collected => {
    if (state.lastFailure && !state.operation) {
      return { ...state.lastFailure, detail: `${state.lastFailure.detail} Still failing when the ${budgetMs} ms budget ran out.` };
    }
    const waiting = state.operation ? ` (waiting for ${state.operation})` : '';
    return {
      id,
      status: 'failed',
      detail: `Did not finish within the ${budgetMs} ms verification budget${waiting}.`,
      remediation: id === 'probe'
        ? `Retry the verification; if an object under ${VERIFY_PROBE_PREFIX} is left in the bucket, delete it and its versions.`
        : 'Retry the verification; if it keeps timing out, check that the bucket and key are in the expected region.',
    };
  };

  try {
    const collected = await Promise.all(
      run.map(async (id) => {
        const state: RunState = { attempts: 0 };
        const result = await Promise.race([runCheck(id, state), expired]);
        return result ?? timedOut(id, state);
      }),
    );
    const { checks, skipped: consequences } = setAsideConsequences(collected);
    const allSkipped = [...skipped, ...consequences].sort((a, b) => CHECK_IDS.indexOf(a.id) - CHECK_IDS.indexOf(b.id));
    return { status: overallStatus(checks), checkedAt: started.toISOString(), durationMs: Math.max(0, elapsed()), checks, skipped: allSkipped };
  } finally {
    clearTimeout(timer);
  }
};

const withAttempts = (result: Collected, attempts: number): Collected =>
  attempts > 1 ? { ...result, detail: `${result.detail} (after ${attempts} attempts)` } : result;
