import { describe, expect, it } from 'vitest';
import type { Status } from '../../../lib/provisioning/state-machine.js';
import { ACTIVE_STATUSES, canTransition, dueAtFor, lockChange, TRANSITIONS } from '../../../lib/provisioning/state-machine.js';

const all = Object.keys(TRANSITIONS) as Status[];

describe('state machine', () => {
  it.each([
    ['PENDING', 'CREATING'],
    ['PENDING', 'AWAITING_CUSTOMER'],
    ['AWAITING_CUSTOMER', 'CREATING'],
    ['AWAITING_CUSTOMER', 'EXPIRED'],
    ['CREATING', 'VERIFYING'],
    ['CREATING', 'FAILED'],
    ['VERIFYING', 'READY'],
    ['VERIFYING', 'FAILED'],
    ['READY', 'DELETING'],
    ['DELETING', 'DELETED'],
  ] as Array<[Status, Status]>)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    ['PENDING', 'READY'],
    ['CREATING', 'READY'],
    ['EXPIRED', 'CREATING'],
    ['DELETED', 'READY'],
    ['READY', 'CREATING'],
    ['FAILED', 'CREATING'],
  ] as Array<[Status, Status]>)('refuses %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('never lets a status go to itself (every change is a real change with its own event)', () => {
    for (const s of all) expect(canTransition(s, s)).toBe(false);
  });

  it('DELETED is final; READY is reached only through verification, or back from an update that did not happen', () => {
    expect(TRANSITIONS.DELETED).toEqual([]);
    expect(all.filter((s) => TRANSITIONS[s].includes('READY')).sort()).toEqual(['DEGRADED', 'FAILED', 'UPDATING', 'VERIFYING']);
  });

  it('updates a provisioned bucket through UPDATING, which keeps the slot, is looked at early, and never FAILs it', () => {
    expect(canTransition('READY', 'UPDATING')).toBe(true);
    expect(canTransition('DEGRADED', 'UPDATING')).toBe(true);
    expect(TRANSITIONS.UPDATING).toEqual(['VERIFYING', 'READY', 'DEGRADED']);
    expect(canTransition('VERIFYING', 'DEGRADED')).toBe(true);
    expect(ACTIVE_STATUSES.has('UPDATING')).toBe(true);
    expect(lockChange('READY', 'UPDATING')).toBe('keep');
    expect(lockChange('UPDATING', 'READY')).toBe('keep');
    expect(dueAtFor('UPDATING', new Date('2026-11-24T00:00:00Z'), null, 30)).toBe('2026-11-24T00:02:00.000Z');
    for (const s of ['READY', 'DEGRADED', 'UPDATING'] as Status[]) expect(TRANSITIONS[s]).not.toContain('FAILED');
  });

  it('a provisioned bucket moves between READY and DEGRADED and is never FAILED by verification; DEGRADED keeps the slot and can be deleted', () => {
    expect(TRANSITIONS.READY).not.toContain('FAILED');
    expect(TRANSITIONS.READY).not.toContain('VERIFYING');
    expect(canTransition('READY', 'DEGRADED')).toBe(true);
    expect(canTransition('DEGRADED', 'READY')).toBe(true);
    expect(TRANSITIONS.DEGRADED).toEqual(expect.arrayContaining(['DELETING', 'DELETED']));
    expect(TRANSITIONS.DEGRADED).not.toContain('FAILED');
    expect(ACTIVE_STATUSES.has('DEGRADED')).toBe(true);
    expect(lockChange('READY', 'DEGRADED')).toBe('keep');
    expect(dueAtFor('DEGRADED', new Date(), null, 30)).toBeNull();
  });

  it('releases the team lock when leaving the active set and takes it back when re-entering', () => {
    expect(lockChange('CREATING', 'FAILED')).toBe('release');
    expect(lockChange('AWAITING_CUSTOMER', 'EXPIRED')).toBe('release');
    expect(lockChange('DELETING', 'DELETED')).toBe('release');
    expect(lockChange('FAILED', 'READY')).toBe('acquire');
    expect(lockChange('CREATING', 'VERIFYING')).toBe('keep');
    expect(lockChange('FAILED', 'DELETED')).toBe('none');
    for (const s of ACTIVE_STATUSES) expect(['FAILED', 'EXPIRED', 'DELETED']).not.toContain(s);
  });

  it('schedules the reconciler: link expiry for AWAITING_CUSTOMER, short for VERIFYING, none once settled', () => {
    const now = new Date('2026-11-24T00:00:00Z');
    expect(dueAtFor('AWAITING_CUSTOMER', now, '2026-11-27T00:00:00.000Z', 30)).toBe('2026-11-27T00:00:00.000Z');
    expect(dueAtFor('VERIFYING', now, null, 30)).toBe('2026-11-24T00:02:00.000Z');
    expect(dueAtFor('CREATING', now, null, 30)).toBe('2026-11-24T00:30:00.000Z');
    for (const s of ['READY', 'FAILED', 'EXPIRED', 'DELETED'] as Status[]) expect(dueAtFor(s, now, null, 30)).toBeNull();
  });
});
