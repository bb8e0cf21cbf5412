import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSupportedFields, FieldSelectorError, matchesFields, parseFieldSelector } from '../../../src/core/cluster/field-selector.js';
import { matchesLabels, parseLabelSelector, requirementsOf, SelectorError } from '../../../src/core/cluster/label-selector.js';

describe('label selectors (query-string form)', () => {
  const labels = { app: 'web', tier: 'front', env: 'prod', n: '5', empty: '' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app=db', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['app, tier', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['env in (prod, staging)', true],
    ['env in (staging)', false],
    ['env notin (staging,dev)', true],
    ['missing notin (a)', true],
    ['missing in (a)', false],
    ['n>3', true],
    ['n<3', false],
    ['app>3', false],
    ['empty=', true],
    ['empty in (,x)', true],
    ['  app = web ,  tier in ( front )  ', true],
    ['app=web,tier=back', false],
    ['example.com/role', false],
  ];
  for (const [text, want] of cases) it(`${JSON.stringify(text)} → ${want}`, () => assert.equal(matchesLabels(parseLabelSelector(text), labels), want));

  it('parses to requirements', () => {
    assert.deepEqual(parseLabelSelector('a=1,!b,c notin (x,y)'), [
      { key: 'a', operator: 'Equals', values: ['1'] },
      { key: 'b', operator: 'DoesNotExist', values: [] },
      { key: 'c', operator: 'NotIn', values: ['x', 'y'] },
    ]);
  });

  const bad: [string, RegExp][] = [
    ['a=b,', /a requirement after ","/],
    ['a in b', /expected "\("/],
    ['a in (b', /expected "," or "\)"/],
    ['a b', /expected an operator/],
    ['a=b c', /expected ","/],
    ['a>x', /not an integer/],
    ['-a=b', /invalid label key/],
    ['a=-b', /invalid label value/],
    ['=b', /expected a label key/],
  ];
  for (const [text, problem] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseLabelSelector(text), (e: unknown) => e instanceof SelectorError && e.field === 'labelSelector' && problem.test(e.message));
    });
  }
});

describe('label selectors (metav1.LabelSelector)', () => {
  it('combines matchLabels and matchExpressions; {} matches everything', () => {
    const reqs = requirementsOf({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }, { key: 'x', operator: 'DoesNotExist' }] });
    assert.equal(matchesLabels(reqs, { app: 'web', env: 'prod' }), true);
    assert.equal(matchesLabels(reqs, { app: 'web', env: 'dev' }), false);
    assert.equal(matchesLabels(reqs, { app: 'web', x: '1' }), false);
    assert.equal(matchesLabels(requirementsOf({}), undefined), true);
  });
  it('names the field of a meaningless expression', () => {
    assert.throws(() => requirementsOf({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, 'spec.podSelector'), (e: unknown) => e instanceof SelectorError && e.field === 'spec.podSelector.matchExpressions[0].values');
    assert.throws(() => requirementsOf({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }), /matchExpressions\[0\]\.values: may not be specified/);
  });
});

describe('field selectors', () => {
  it('parses =, ==, != and escapes', () => {
    assert.deepEqual(parseFieldSelector('spec.nodeName=n1,status.phase!=Failed,metadata.name==a\\,b\\=c'), [
      { field: 'spec.nodeName', operator: 'Equals', value: 'n1' },
      { field: 'status.phase', operator: 'NotEquals', value: 'Failed' },
      { field: 'metadata.name', operator: 'Equals', value: 'a,b=c' },
    ]);
    assert.deepEqual(parseFieldSelector(''), []);
  });
  it('matches, with missing fields as ""', () => {
    const reqs = parseFieldSelector('spec.nodeName=n1,status.phase!=Failed');
    assert.equal(matchesFields(reqs, { 'spec.nodeName': 'n1', 'status.phase': 'Running' }), true);
    assert.equal(matchesFields(reqs, { 'spec.nodeName': 'n1', 'status.phase': 'Failed' }), false);
    assert.equal(matchesFields(parseFieldSelector('spec.nodeName='), {}), true);
  });
  it('rejects malformed terms and unsupported fields', () => {
    assert.throws(() => parseFieldSelector('spec.nodeName'), (e: unknown) => e instanceof FieldSelectorError && /expected field=value/.test(e.message));
    assert.throws(() => parseFieldSelector('=x'), /missing field name/);
    assert.throws(() => parseFieldSelector('a=\\x'), /invalid escape/);
    assert.throws(() => checkSupportedFields(parseFieldSelector('spec.bogus=1'), ['metadata.name']), /field label not supported: spec\.bogus/);
  });
});
