// The test-only peer dial overrides (store/transport/peer-url-overrides.ts):
// parsed strictly, and absent by default so normal starts dial what is advertised.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peerUrlToTarget } from '../../../store/transport/grpc-config.js';
import { parsePeerUrlOverrides } from '../../../store/transport/peer-url-overrides.js';

test('overrides parse as advertised host:port = dialled host:port', () => {
  const m = parsePeerUrlOverrides('127.0.0.1:2380=127.0.0.1:41001, 127.0.0.1:2382=127.0.0.1:41002');
  assert.deepEqual(
    [...m],
    [
      ['127.0.0.1:2380', '127.0.0.1:41001'],
      ['127.0.0.1:2382', '127.0.0.1:41002'],
    ],
  );
  assert.equal(parsePeerUrlOverrides(undefined).size, 0);
  assert.equal(parsePeerUrlOverrides('').size, 0);
  assert.throws(() => parsePeerUrlOverrides('127.0.0.1:2380'), /advertised-host:port=dialled/);
  assert.throws(() => parsePeerUrlOverrides('http://a:1=b:2'), /advertised-host:port=dialled/);
});

test('without the variable a peer url dials its own address', () => {
  assert.equal(process.env['CAPSTAN_PEER_URL_OVERRIDES'] ?? '', '');
  assert.equal(peerUrlToTarget('http://127.0.0.1:2380'), '127.0.0.1:2380');
});
