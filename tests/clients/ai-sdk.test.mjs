// The Vercel AI SDK: rerank() from `ai` with the @ai-sdk/cohere provider (Cohere v2 API).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCohere } from '@ai-sdk/cohere';
import { rerank } from 'ai';
import { apiKey, baseUrl, bestIndex, documents, query } from './fixtures.mjs';

test('ai rerank() with @ai-sdk/cohere', async () => {
  const cohere = createCohere({ baseURL: `${baseUrl}/v2`, apiKey });
  const result = await rerank({ model: cohere.reranking('rerank-v3.5'), query, documents, topN: 2, maxRetries: 0 });
  assert.equal(result.ranking.length, 2);
  assert.equal(result.ranking[0].originalIndex, bestIndex);
  assert.equal(result.rerankedDocuments[0], documents[bestIndex]);
  assert.ok(result.ranking[0].score >= result.ranking[1].score);
});

test('ai rerank() with object documents', async () => {
  const cohere = createCohere({ baseURL: `${baseUrl}/v2`, apiKey });
  const objects = documents.map((text, i) => ({ id: i, text }));
  const result = await rerank({ model: cohere.reranking('rerank-v3.5'), query, documents: objects, maxRetries: 0 });
  assert.equal(result.ranking.length, documents.length);
  assert.equal(result.rerankedDocuments[0].id, bestIndex);
});
