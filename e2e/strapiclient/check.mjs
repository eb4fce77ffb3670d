// Runs Strapi's own JavaScript client, @strapi/client (pinned in
// package.json), against a running tokenadmin: find, findOne, create,
// update and delete on a collection type, then a <plural>_connection query
// through plain fetch, as a Strapi 5 front end would. Prints one line per
// check and exits non-zero on the first difference.
//
// Usage: node e2e/strapiclient/check.mjs http://127.0.0.1:PORT KEY READ_ONLY_KEY
import assert from 'node:assert/strict';
import { strapi, HTTPNotFoundError, HTTPForbiddenError, HTTPBadRequestError } from '@strapi/client';

const [base, key, readOnlyKey] = process.argv.slice(2);
if (!base || !key || !readOnlyKey) {
  console.error('usage: check.mjs BASE_URL KEY READ_ONLY_KEY');
  process.exit(2);
}
const client = strapi({ baseURL: base + '/api', auth: key });
const articles = client.collection('articles');

const entryKeys = ['id', 'documentId', 'title', 'slug', 'body', 'publishedDate', 'featured', 'createdAt', 'updatedAt', 'publishedAt'];

async function check(name, fn) {
  await fn();
  console.log('ok ' + name);
}

async function rejects(promise, type, status, errorName) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof type, `got ${e}, want ${type.name}`);
    assert.equal(e.response.status, status);
    const body = await e.response.json();
    assert.deepEqual(Object.keys(body.error), ['status', 'name', 'message', 'details']);
    assert.equal(body.error.name, errorName);
    return body;
  }
  assert.fail(`no error, want ${type.name}`);
}

let documentId;
await check('create', async () => {
  const created = await articles.create({ title: 'From @strapi/client', slug: 'from-client', featured: true });
  assert.deepEqual(Object.keys(created), ['data', 'meta']);
  assert.deepEqual(Object.keys(created.data), entryKeys);
  assert.equal(created.data.title, 'From @strapi/client');
  assert.deepEqual(created.meta, {});
  documentId = created.data.documentId;
  await articles.create({ title: 'Second', slug: 'second' });
  await articles.create({ title: 'Third', slug: 'third' });
});

await check('find', async () => {
  const page = await articles.find({ sort: 'title:asc', pagination: { page: 1, pageSize: 2 }, filters: { title: { $ne: 'nothing' } } });
  assert.deepEqual(page.data.map((e) => e.title), ['From @strapi/client', 'Second']);
  // Clients compare meta.pagination as written: Strapi's key order.
  assert.equal(JSON.stringify(page.meta.pagination), '{"page":1,"pageSize":2,"pageCount":2,"total":3}');
  const slice = await articles.find({ sort: ['title:desc'], pagination: { start: 1, limit: 1 }, fields: ['title'] });
  assert.deepEqual(slice.data, [{ id: slice.data[0].id, documentId: slice.data[0].documentId, title: 'Second' }]);
  assert.equal(JSON.stringify(slice.meta.pagination), '{"start":1,"limit":1,"total":3}');
});

await check('findOne', async () => {
  const one = await articles.findOne(documentId);
  assert.equal(one.data.documentId, documentId);
  assert.equal(one.data.featured, true);
  assert.deepEqual(Object.keys(one.data), entryKeys);
});

await check('update', async () => {
  const updated = await articles.update(documentId, { title: 'Changed' });
  assert.equal(updated.data.title, 'Changed');
  assert.equal(updated.data.slug, 'from-client');
});

await check('errors', async () => {
  await rejects(articles.findOne('nosuchdocument'), HTTPNotFoundError, 404, 'NotFoundError');
  await rejects(articles.create({ nope: 1 }), HTTPBadRequestError, 400, 'ValidationError');
  await rejects(articles.find({ pagination: { page: 1, limit: 2 } }), HTTPBadRequestError, 400, 'PaginationError');
  const readOnly = strapi({ baseURL: base + '/api', auth: readOnlyKey }).collection('articles');
  await rejects(readOnly.delete(documentId), HTTPForbiddenError, 403, 'ForbiddenError');
});

await check('graphql _connection', async () => {
  const res = await fetch(base + '/graphql', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      query: 'query($p: PaginationArg) { articles_connection(sort: ["title:asc"], pagination: $p) { nodes { documentId title } pageInfo { total page pageSize pageCount } } }',
      variables: { p: { page: 1, pageSize: 2 } },
    }),
  });
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.errors, undefined);
  assert.deepEqual(body.data.articles_connection.pageInfo, { total: 3, page: 1, pageSize: 2, pageCount: 2 });
  assert.deepEqual(body.data.articles_connection.nodes.map((n) => n.title), ['Changed', 'Second']);
});

await check('delete', async () => {
  await articles.delete(documentId);
  await rejects(articles.findOne(documentId), HTTPNotFoundError, 404, 'NotFoundError');
  await articles.delete(documentId); // gone already: 204 again, as in Strapi
});
