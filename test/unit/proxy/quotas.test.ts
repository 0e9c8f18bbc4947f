import { describe, expect, it } from 'vitest';
import { StratusError } from '../../../common/errors.js';
import { exceedsAccountQuota, requestedQuotas } from '../../../proxy/middleware/account-quotas.js';
import {
  checkQuotaHeaders,
  exceedsContainerQuota,
} from '../../../proxy/middleware/container-quotas.js';

describe('container quota arithmetic', () => {
  const usage = { bytes: 90, objects: 4 };

  it('refuses an upload that would pass the byte quota, allows one that reaches it', () => {
    expect(exceedsContainerQuota({ ...usage, quotaBytes: '100' }, 10)).toBe(false);
    expect(exceedsContainerQuota({ ...usage, quotaBytes: '100' }, 11)).toBe(true);
    expect(exceedsContainerQuota({ bytes: 0, objects: 0, quotaBytes: '0' }, 0)).toBe(false);
    expect(exceedsContainerQuota({ bytes: 1, objects: 0, quotaBytes: '0' }, 0)).toBe(true);
  });

  it('counts the new object against the count quota', () => {
    expect(exceedsContainerQuota({ ...usage, quotaCount: '5' }, 0)).toBe(false);
    expect(exceedsContainerQuota({ ...usage, quotaCount: '4' }, 0)).toBe(true);
    expect(exceedsContainerQuota({ ...usage, quotaCount: '0' }, 0)).toBe(true);
  });

  it('ignores quotas that are not digits and uploads without quotas', () => {
    expect(exceedsContainerQuota({ ...usage, quotaBytes: 'lots', quotaCount: '-1' }, 1e9)).toBe(
      false,
    );
    expect(exceedsContainerQuota(usage, 1e12)).toBe(false);
  });

  it('validates quota metadata as Swift does', () => {
    expect(() => checkQuotaHeaders({ 'x-container-meta-quota-bytes': '12' })).not.toThrow();
    expect(() => checkQuotaHeaders({ 'x-container-meta-quota-bytes': '' })).not.toThrow();
    expect(() => checkQuotaHeaders({ 'x-container-meta-quota-bytes': '1.5' })).toThrow(
      'Invalid bytes quota.',
    );
    expect(() => checkQuotaHeaders({ 'x-container-meta-quota-count': '-3' })).toThrow(
      'Invalid count quota.',
    );
  });
});

describe('account quota arithmetic', () => {
  it('prefers the sysmeta quota over the legacy metadata one', () => {
    const usage = { bytes: 1000, objects: 10 };
    expect(exceedsAccountQuota({ ...usage, legacyQuotaBytes: '1000' }, 1)).toBe(true);
    expect(exceedsAccountQuota({ ...usage, legacyQuotaBytes: '1000' }, 0)).toBe(false);
    expect(
      exceedsAccountQuota({ ...usage, quotaBytes: '5000', legacyQuotaBytes: '10' }, 4000),
    ).toBe(false);
    expect(exceedsAccountQuota({ ...usage, quotaBytes: '5000' }, 4001)).toBe(true);
    expect(exceedsAccountQuota({ ...usage, quotaCount: '11' }, 0)).toBe(false);
    expect(exceedsAccountQuota({ ...usage, quotaCount: '10' }, 0)).toBe(true);
    expect(exceedsAccountQuota({ ...usage, quotaBytes: 'x' }, 1e12)).toBe(false);
  });

  it('reads the quota changes an account request asks for', () => {
    expect(requestedQuotas({ 'x-account-meta-color': 'red' })).toBeUndefined();
    expect(requestedQuotas({ 'x-account-meta-quota-bytes': '100' })).toEqual({ legacy: '100' });
    expect(requestedQuotas({ 'x-account-quota-bytes': '5', 'x-account-quota-count': '2' })).toEqual(
      { bytes: '5', count: '2' },
    );
    // A removal wins over a value sent with it.
    expect(
      requestedQuotas({ 'x-account-quota-bytes': '5', 'x-remove-account-quota-bytes': 'x' }),
    ).toEqual({ bytes: '' });
    expect(requestedQuotas({ 'x-remove-account-meta-quota-bytes': '1' })).toEqual({ legacy: '' });
    expect(() => requestedQuotas({ 'x-account-quota-bytes': 'ten' })).toThrow(StratusError);
    expect(() => requestedQuotas({ 'x-account-quota-count': '-1' })).toThrow(/Bad Request/);
  });
});
