// Shared by the client tests: where the server is, and a query whose BM25 order is known.
export const baseUrl = process.env.RERANK_URL;
export const apiKey = process.env.RERANK_API_KEY;
if (!baseUrl || !apiKey) throw new Error('run these through tests/clients/run.sh (RERANK_URL, RERANK_API_KEY)');

export const query = 'capital of France';
export const documents = [
  'Berlin is the capital of Germany.',
  'The quick brown fox jumps over the lazy dog.',
  'Paris is the capital and largest city of France.',
  'France is famous for wine and cheese.',
];
// Paris (both rare terms) first, then the other France / capital documents, the fox last.
export const bestIndex = 2;
export const worstIndex = 1;

export function assertSortedDescending(assert, scores) {
  for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1] >= scores[i], `scores not sorted: ${scores}`);
}
