// The Mixedbread SDK (@mixedbread/sdk): client.rerank() posts to /v1/reranking.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Mixedbread from '@mixedbread/sdk';
import { apiKey, baseUrl, bestIndex, documents, query } from './fixtures.mjs';

test('Mixedbread client.rerank', async () => {
  const mxbai = new Mixedbread({ apiKey, baseURL: baseUrl, maxRetries: 0 });
  const res = await mxbai.rerank({
    model: 'mixedbread-ai/mxbai-rerank-large-v1', query, input: documents, top_k: 3, return_input: true,
  });
  assert.equal(res.data.length, 3);
  assert.equal(res.top_k, 3);
  assert.equal(res.data[0].index, bestIndex);
  assert.equal(res.data[0].input, documents[bestIndex]);
  assert.ok(res.data[0].score >= res.data[1].score);
  assert.ok(res.usage.total_tokens > 0);
});

test('Mixedbread client surfaces a wrong key as AuthenticationError (401)', async () => {
  const mxbai = new Mixedbread({ apiKey: 'wrong', baseURL: baseUrl, maxRetries: 0 });
  await assert.rejects(mxbai.rerank({ query, input: documents }), (err) => {
    assert.equal(err.status, 401);
    return true;
  });
});
