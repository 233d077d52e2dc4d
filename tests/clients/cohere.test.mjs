// The official Cohere SDK (cohere-ai), v1 and v2 clients, pointed at rerank serve.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CohereClient, CohereClientV2, CohereError } from 'cohere-ai';
import { apiKey, assertSortedDescending, baseUrl, bestIndex, documents, query } from './fixtures.mjs';

test('cohere-ai v1 client rerank', async () => {
  const cohere = new CohereClient({ token: apiKey, environment: baseUrl });
  const res = await cohere.rerank({
    model: 'rerank-english-v3.0', query, documents, topN: 3, returnDocuments: true, maxChunksPerDoc: 10,
  });
  assert.equal(res.results.length, 3);
  assert.equal(res.results[0].index, bestIndex);
  assert.equal(res.results[0].document.text, documents[bestIndex]);
  assertSortedDescending(assert, res.results.map((r) => r.relevanceScore));
  assert.equal(typeof res.id, 'string');
  assert.equal(res.meta.billedUnits.searchUnits, 1);
});

test('cohere-ai v1 client with object documents and rankFields', async () => {
  const cohere = new CohereClient({ token: apiKey, environment: baseUrl });
  const res = await cohere.rerank({
    query, documents: documents.map((text, i) => ({ title: `doc ${i}`, body: text })), rankFields: ['body'],
  });
  assert.equal(res.results.length, documents.length);
  assert.equal(res.results[0].index, bestIndex);
});

test('cohere-ai v2 client rerank', async () => {
  const cohere = new CohereClientV2({ token: apiKey, environment: baseUrl });
  const res = await cohere.rerank({ model: 'rerank-v3.5', query, documents, topN: 2, maxTokensPerDoc: 512 });
  assert.equal(res.results.length, 2);
  assert.equal(res.results[0].index, bestIndex);
  assert.ok(res.results[0].relevanceScore > res.results[1].relevanceScore);
  assert.equal(res.meta.apiVersion.version, '2');
});

test('cohere-ai reports a wrong key as a 401 CohereError', async () => {
  const cohere = new CohereClientV2({ token: 'wrong-key', environment: baseUrl });
  await assert.rejects(cohere.rerank({ model: 'rerank-v3.5', query, documents }), (err) => {
    assert.ok(err instanceof CohereError, String(err));
    assert.equal(err.statusCode, 401);
    return true;
  });
});
