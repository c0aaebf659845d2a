// A Node.js http hello-world on loopback, for the conformance matrix.
//
//     node scripts/matrix/node_server.js PORT
//
// GET, HEAD and POST of / or /test.jpg get 200 and "hello\n"; OPTIONS gets
// 200 and Allow; any other method 405 with Allow; any other path 404. The
// content is read first. llhttp, Node's parser, is what the harness judges.
'use strict';
const http = require('http');

const port = Number(process.argv[2]);
if (!Number.isInteger(port)) {
  console.error('usage: node_server.js PORT');
  process.exit(2);
}
http
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // origin-form, absolute-form (RFC 9112 §3.2.2) and * (OPTIONS)
      let path = req.url;
      try {
        path = req.url === '*' ? '*' : new URL(req.url, 'http://localhost').pathname;
      } catch (e) {
        // not a URL: answered 404 below
      }
      const allow = 'GET, HEAD, POST, OPTIONS';
      res.setHeader('Content-Type', 'text/plain');
      if (path !== '/' && path !== '/test.jpg' && !(path === '*' && req.method === 'OPTIONS')) {
        res.statusCode = 404;
        res.end('not found\n');
      } else if (req.method === 'OPTIONS') {
        res.setHeader('Allow', allow);
        res.end();
      } else if (['GET', 'HEAD', 'POST'].includes(req.method)) {
        res.end('hello\n');
      } else {
        res.statusCode = 405;
        res.setHeader('Allow', allow);
        res.end('method not allowed\n');
      }
    });
  })
  .listen(port, '127.0.0.1');
