/**
 * format.ts: what the Models, Data and Drift tabs show, and the alias dialog's checks.
 */
import {
  aliasMoveProblem,
  defaultDiffPair,
  describeAudit,
  formatBytes,
  formatShare,
  parseDatasetRef,
  parseModelRef
} from '../format';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [5 * 1024 ** 3, '5.0 GiB'],
    [3 * 1024 ** 5, '3072.0 TiB']
  ])('%d bytes read %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('shows nothing for an unknown size', () => {
    expect(formatBytes(null)).toBe('');
    expect(formatBytes(undefined)).toBe('');
  });
});

describe('formatShare', () => {
  it('rounds to whole percents and passes the non-finite strings through', () => {
    expect(formatShare(0.6666)).toBe('67 %');
    expect(formatShare(0)).toBe('0 %');
    expect(formatShare('NaN')).toBe('NaN');
  });
});

describe('parseModelRef', () => {
  it.each([
    ['churn', { name: 'churn', version: null, alias: null }],
    ['churn@champion', { name: 'churn', version: null, alias: 'champion' }],
    ['churn/3', { name: 'churn', version: 3, alias: null }],
    ['models:/breast-cancer/12', { name: 'breast-cancer', version: 12, alias: null }],
    [' churn.v2@_shadow-1 ', { name: 'churn.v2', version: null, alias: '_shadow-1' }]
  ])('%s', (ref, parsed) => {
    expect(parseModelRef(ref)).toEqual(parsed);
  });

  it.each([null, '', 'churn@', 'churn/x', '../etc', 'churn@1bad', 'a b'])(
    'refuses %p',
    ref => {
      expect(parseModelRef(ref)).toBeNull();
    }
  );
});

describe('parseDatasetRef', () => {
  it('reads name@version and nothing else', () => {
    expect(parseDatasetRef('customers@3')).toEqual({ name: 'customers', version: 3 });
    expect(parseDatasetRef('DataFrame')).toBeNull();
    expect(parseDatasetRef('customers@latest')).toBeNull();
    expect(parseDatasetRef('/data/file.csv')).toBeNull();
    expect(parseDatasetRef(null)).toBeNull();
  });
});

describe('aliasMoveProblem', () => {
  const ok = { alias: 'champion', version: 2, reason: 'beats v1 on the holdout', current: 1 };

  it('accepts a valid move', () => {
    expect(aliasMoveProblem(ok)).toBeNull();
    expect(aliasMoveProblem({ ...ok, current: null })).toBeNull();
  });

  it('asks for a reason, the audit log keeps it', () => {
    expect(aliasMoveProblem({ ...ok, reason: '  \n' })).toMatch(/Say why/);
    expect(aliasMoveProblem({ ...ok, reason: 'x'.repeat(2001) })).toMatch(/under 2000/);
  });

  it('refuses aliases the server would refuse', () => {
    expect(aliasMoveProblem({ ...ok, alias: '' })).toMatch(/starts with a letter/);
    expect(aliasMoveProblem({ ...ok, alias: '1st' })).toMatch(/starts with a letter/);
    expect(aliasMoveProblem({ ...ok, alias: 'a/b' })).toMatch(/starts with a letter/);
  });

  it('refuses a missing version and a move to where the alias already is', () => {
    expect(aliasMoveProblem({ ...ok, version: null })).toMatch(/Choose the version/);
    expect(aliasMoveProblem({ ...ok, version: 0 })).toMatch(/Choose the version/);
    expect(aliasMoveProblem({ ...ok, version: 1 })).toMatch(/already names version 1/);
  });
});

describe('defaultDiffPair', () => {
  it('compares the newest with the one before, whatever the order', () => {
    expect(defaultDiffPair([3, 1, 2])).toEqual([2, 3]);
    expect(defaultDiffPair([1, 10, 9])).toEqual([9, 10]);
    expect(defaultDiffPair([1])).toBeNull();
  });
});

describe('describeAudit', () => {
  const entry = { alias: null, version: 2, from_value: null, to_value: null };
  it('says what happened in a few words', () => {
    expect(
      describeAudit({ ...entry, action: 'alias', alias: 'champion', from_value: '1', to_value: '2' })
    ).toBe('@champion 1 → 2');
    expect(describeAudit({ ...entry, action: 'alias', alias: 'shadow', to_value: '2' })).toBe(
      '@shadow ∅ → 2'
    );
    expect(describeAudit({ ...entry, action: 'register' })).toBe('registered version 2');
    expect(
      describeAudit({ ...entry, action: 'status', from_value: 'READY', to_value: 'ARCHIVED' })
    ).toBe('version 2: READY → ARCHIVED');
    expect(describeAudit({ ...entry, action: 'promotion-refused' })).toBe(
      'promotion-refused version 2'
    );
  });
});
