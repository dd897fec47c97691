import { describe, expect, it } from 'vitest';
import { RequestId } from '../../lib/identifiers.js';
import { realIds, requestIdFromStackName, stackNameFor } from '../../lib/ids.js';

describe('ids', () => {
  it('makes request ids that the request-id schema accepts, time-ordered', () => {
    const ids = realIds();
    const a = ids.requestId();
    const b = ids.requestId();
    expect(RequestId.safeParse(a).success).toBe(true);
    expect(a < b).toBe(true);
    expect(ids.eventId()).toMatch(/^evt_[0-9A-Z]{26}$/);
  });

  it('makes random tokens of the asked length in base64url', () => {
    const t = realIds().token(24);
    expect(t).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(realIds().token(24)).not.toBe(t);
  });

  it('names a stack after its request and reads the request back from the name', () => {
    const id = realIds().requestId();
    const name = stackNameFor(id);
    expect(name).toMatch(/^byob-[0-9a-z]{26}$/);
    expect(requestIdFromStackName(name)).toBe(id);
    expect(requestIdFromStackName('someone-elses-stack')).toBeNull();
  });
});
