// A local Stripe-compatible server for the end-to-end tests (loopback only): the app opens
// Checkout Sessions here (KUNDENPORTAL_PAYMENTS_STRIPE_API), the browser "pays" on its page,
// and the fake delivers the signed `checkout.session.completed` webhook to the app, exactly as
// Stripe does (HMAC-SHA256 over `t.payload`), then sends the browser back to the success URL.
//   HTTP 127.0.0.1:3127
import http from 'node:http';
import crypto from 'node:crypto';

export const SECRET_KEY = 'sk_test_e2e_kanzlei';
export const WEBHOOK_SECRET = 'whsec_e2e_kanzlei';
const APP = 'http://127.0.0.1:3100';
const sessions = new Map();

function body(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
  });
}

const euros = (cents) => (cents / 100).toFixed(2).replace('.', ',') + ' €';

http
  .createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1:3127');
    if (req.method === 'POST' && url.pathname === '/v1/checkout/sessions') {
      if (req.headers.authorization !== `Bearer ${SECRET_KEY}`) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'Invalid API Key' } }));
      }
      const form = new URLSearchParams(await body(req));
      const id = `cs_test_${sessions.size + 1}`;
      sessions.set(id, {
        id,
        amount: Number(form.get('line_items[0][price_data][unit_amount]')),
        currency: form.get('line_items[0][price_data][currency]'),
        name: form.get('line_items[0][price_data][product_data][name]'),
        org: form.get('metadata[org_id]'),
        success: form.get('success_url'),
        cancel: form.get('cancel_url'),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id, object: 'checkout.session', url: `http://127.0.0.1:3127/pay/${id}` }));
    }
    const pay = url.pathname.match(/^\/pay\/(cs_test_\d+)$/);
    const s = pay && sessions.get(pay[1]);
    if (s && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(`<!doctype html><meta name="viewport" content="width=device-width">
        <title>Checkout</title><h1>${s.name}</h1><p id="amount">${euros(s.amount)}</p>
        <form method="post"><button id="pay">Bezahlen</button></form>`);
    }
    if (s && req.method === 'POST') {
      const event = JSON.stringify({
        id: `evt_${s.id}`,
        object: 'event',
        type: 'checkout.session.completed',
        data: { object: { id: s.id, object: 'checkout.session', amount_total: s.amount, currency: s.currency, payment_status: 'paid' } },
      });
      const t = Math.floor(Date.now() / 1000);
      const v1 = crypto.createHmac('sha256', WEBHOOK_SECRET).update(`${t}.${event}`).digest('hex');
      const delivered = await fetch(`${APP}/api/stripe/webhook/${s.org}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${v1}` },
        body: event,
      });
      if (!delivered.ok) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        return res.end(`webhook answered ${delivered.status}`);
      }
      res.writeHead(303, { location: s.success });
      return res.end();
    }
    if (url.pathname === '/healthz') {
      res.writeHead(200);
      return res.end('ok');
    }
    res.writeHead(404);
    res.end();
  })
  .listen(3127, '127.0.0.1');
