// The reference tus server of the upload benchmark: @tus/server 2.x with @tus/file-store,
// no encryption, no checksums. Usage: node tus-reference.mjs <port> <directory>
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const [port, directory] = process.argv.slice(2);
const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
http
  .createServer((req, res) => tus.handle(req, res))
  .listen(Number(port), '127.0.0.1', () => console.log('ready'));
