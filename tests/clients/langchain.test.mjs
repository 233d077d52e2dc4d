// LangChain JS (@langchain/cohere CohereRerank), given a Cohere client aimed at rerank serve.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CohereRerank } from '@langchain/cohere';
import { Document } from '@langchain/core/documents';
import { CohereClient } from 'cohere-ai';
import { apiKey, baseUrl, bestIndex, documents, query } from './fixtures.mjs';

const client = new CohereClient({ token: apiKey, environment: baseUrl });

test('CohereRerank.compressDocuments keeps the best documents with their scores', async () => {
  const reranker = new CohereRerank({ client, model: 'rerank-english-v3.0', topN: 2 });
  const docs = documents.map((text, i) => new Document({ pageContent: text, metadata: { i } }));
  const out = await reranker.compressDocuments(docs, query);
  assert.equal(out.length, 2);
  assert.equal(out[0].metadata.i, bestIndex);
  assert.equal(typeof out[0].metadata.relevanceScore, 'number');
  assert.ok(out[0].metadata.relevanceScore >= out[1].metadata.relevanceScore);
});

test('CohereRerank.rerank returns every document by index', async () => {
  const reranker = new CohereRerank({ client, model: 'rerank-english-v3.0', topN: documents.length });
  const ranked = await reranker.rerank(documents, query);
  assert.equal(ranked.length, documents.length);
  assert.equal(ranked[0].index, bestIndex);
  assert.deepEqual([...ranked.map((r) => r.index)].sort(), [0, 1, 2, 3]);
});
