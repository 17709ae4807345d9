import { it } from 'vitest';
import { bootApp } from '../support/app.js';
import { TestFeatureModule } from '../support/test-feature.module.js';
it('probe', async () => {
  const t = await bootApp({ env: { BODY_LIMIT_BYTES: '2048' }, extraModules: [TestFeatureModule] });
  for (const [payload, ct] of [
    ['{"name": "a",', 'application/json'],
    ['<a/>', 'text/xml'],
    [JSON.stringify({ name: 'a', pad: 'x'.repeat(3000) }), 'application/json'],
    ['', 'application/json'],
  ]) {
    const r = await t.rest({
      method: 'POST',
      url: '/api/v1/test/echo',
      payload,
      headers: { 'content-type': ct },
    });
    console.log(r.statusCode, r.headers['content-type'], r.body);
  }
  await t.close();
});
