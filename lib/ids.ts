import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/** Source of ids and randomness; injected so tests are deterministic. */
export interface Ids {
  /** A new BYOB request id: `byob_<ULID>` (time-ordered, so ids sort newest-last). */
  requestId(): string;
  /** A new event / webhook id. */
  eventId(): string;
  /**
   * A new update id: `upd-<ULID>`, in the character set CloudFormation takes for a change set's
   * ClientToken and an operation's ClientRequestToken.
   */
  updateId(): string;
  /** `n` random bytes as base64url. */
  token(n: number): string;
}

/** Ids from the real clock and crypto randomness. */
export const realIds = (): Ids => {
  const ulid = monotonicFactory();
  return {
    requestId: () => `byob_${ulid()}`,
    eventId: () => `evt_${ulid()}`,
    updateId: () => `upd-${ulid()}`,
    token: (n) => randomBytes(n).toString('base64url'),
  };
};

/** The CloudFormation stack name of a request: deterministic, so a lost write can adopt the stack. */
export const stackNameFor = (requestId: string): string => `byob-${requestId.slice('byob_'.length).toLowerCase()}`;

/** The request id encoded in a stack name, or null. */
export const requestIdFromStackName = (stackName: string): string | null => {
  const m = /^byob-([0-9a-hjkmnp-tv-z]{26})$/.exec(stackName);
  return m ? `byob_${m[1]!.toUpperCase()}` : null;
};
