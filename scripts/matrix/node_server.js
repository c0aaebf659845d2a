// A Node.js http hello-world on loopback, for the conformance matrix.
//
//     node scripts/matrix/node_server.js PORT
//
// Answers every request with 200 and "hello\n" after reading its content.
// llhttp, Node's parser, is what the harness judges.
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
      res.setHeader('Content-Type', 'text/plain');
      res.end('hello\n');
    });
  })
  .listen(port, '127.0.0.1');
