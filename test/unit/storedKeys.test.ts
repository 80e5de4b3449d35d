import assert from 'node:assert/strict';
import { keyFingerprint, parseStoredKeys, secretName, StoredKeys, type SecretSlots } from '../../src/extension/storedKeys';

/** SecretStorage's contract (get/store/delete by name) over a Map, so the test sees exactly what is written. */
function secretsIn(map: Map<string, string>): SecretSlots {
  return {
    get: async (name) => map.get(name),
    store: async (name, value) => void map.set(name, value),
    delete: async (name) => void map.delete(name),
  };
}

const OLD = 'sk-stored-by-an-earlier-version-0001';
const SECOND = 'sk-second-key-0002';
const THIRD = 'sk-third-key-0003';

describe('stored keys: several per provider in one secret, reading what earlier versions wrote', () => {
  it('reads a single key stored by an earlier version as a list of that one key, unchanged', async () => {
    const map = new Map([[secretName('openai'), OLD]]);
    assert.deepEqual(await new StoredKeys(secretsIn(map)).list('openai'), [OLD]);
    assert.equal(map.get(secretName('openai')), OLD, 'reading writes nothing');
  });

  it('adds a second key after the one an earlier version stored, keeping it first', async () => {
    const map = new Map([[secretName('openai'), OLD]]);
    const keys = new StoredKeys(secretsIn(map));
    assert.deepEqual(await keys.add('openai', SECOND), { added: true, count: 2 });
    assert.deepEqual(await keys.list('openai'), [OLD, SECOND]);
    assert.deepEqual([...map.keys()], [secretName('openai')], 'still one secret per provider, under the same name');
  });

  it('does not store the same key twice', async () => {
    const keys = new StoredKeys(secretsIn(new Map([[secretName('a'), OLD]])));
    assert.deepEqual(await keys.add('a', OLD), { added: false, duplicateOf: 0 });
    assert.deepEqual(await keys.list('a'), [OLD]);
  });

  it('removes a key by its place; one key left is stored as itself again, as earlier versions read it', async () => {
    const map = new Map<string, string>();
    const keys = new StoredKeys(secretsIn(map));
    await keys.replace('a', [OLD, SECOND, THIRD]);
    assert.equal(await keys.remove('a', 1), true);
    assert.deepEqual(await keys.list('a'), [OLD, THIRD]);
    assert.equal(await keys.remove('a', 5), false, 'no key at that place');
    await keys.remove('a', 0);
    assert.equal(map.get(secretName('a')), THIRD);
    await keys.remove('a', 0);
    assert.equal(map.has(secretName('a')), false, 'the last key removed deletes the secret');
    assert.deepEqual(await keys.list('a'), []);
  });

  it('keeps providers apart', async () => {
    const keys = new StoredKeys(secretsIn(new Map([[secretName('a'), OLD]])));
    await keys.add('b', SECOND);
    assert.deepEqual([await keys.list('a'), await keys.list('b')], [[OLD], [SECOND]]);
  });

  it('takes any stored value that is not a list of keys as one key, so nothing stored is lost', () => {
    for (const value of ['[not json', '["ok", 3]', '[]', '[""]', '{"a":1}', 'sk-[bracketed]']) assert.deepEqual(parseStoredKeys(value), [value], value);
    assert.deepEqual(parseStoredKeys('["k1","k2"]'), ['k1', 'k2']);
    assert.deepEqual(parseStoredKeys(undefined), []);
    assert.deepEqual(parseStoredKeys(''), []);
  });

  it('fingerprints a key with the first six hex digits of its SHA-256', () => {
    // sha256("sk-test") from `printf %s sk-test | sha256sum`.
    assert.equal(keyFingerprint('sk-test'), 'f3abf2');
    assert.notEqual(keyFingerprint(OLD), keyFingerprint(SECOND));
    assert.match(keyFingerprint(OLD), /^[0-9a-f]{6}$/);
  });
});
