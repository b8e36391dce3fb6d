// A real SMTP server for the end-to-end tests: the app sends its mails here over SMTP
// (KUNDENPORTAL_MAIL_SMTP_URL), the tests read them back as JSON over HTTP.
//   SMTP  127.0.0.1:3125   (no TLS, no auth: loopback only)
//   HTTP  127.0.0.1:3126   GET /messages?to=<address> → [{to, subject, text, html, replyTo,
//                          messageId}], newest last
import fs from 'node:fs';
import http from 'node:http';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

const messages = [];
const KEEP = '.data/mails.jsonl';
fs.mkdirSync('.data', { recursive: true });

const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        const m = {
          to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          html: typeof mail.html === 'string' ? mail.html : '',
          replyTo: mail.replyTo?.value?.[0]?.address ?? '',
          messageId: mail.messageId ?? '',
        };
        messages.push(m);
        // Kept for the log scan after the run (scripts/scan-log-secrets.mjs): the links in
        // these mails carry secret tokens that must never show up in the server's log.
        fs.appendFileSync(KEEP, JSON.stringify(m) + '\n');
        callback();
      })
      .catch(callback);
  },
});
smtp.listen(3125, '127.0.0.1');

http
  .createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname !== '/messages') {
      res.writeHead(404).end();
      return;
    }
    const to = url.searchParams.get('to')?.toLowerCase();
    const list = to ? messages.filter((m) => m.to.includes(to)) : messages;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
  })
  .listen(3126, '127.0.0.1');
