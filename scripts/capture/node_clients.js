// Requests from Node's own HTTP clients, one scenario per run.
//
// Usage: node node_clients.js SCENARIO BASE_URL FORM_PATH
//
// Scenarios:
//   fetch          GET /, POST the form (urlencoded), POST JSON (fetch keeps the connection)
//   fetch-stream   POST a streamed body (sent chunked)
//   http-keepalive GET / then POST the form chunked, on one kept-alive connection (node:http)
"use strict";
const http = require("node:http");

const FORM = { name: "h1check", message: "hello from node" };

async function fetchScenario(base, formPath) {
  await (await fetch(base + "/")).arrayBuffer();
  await (
    await fetch(base + formPath, {
      method: "POST",
      body: new URLSearchParams(FORM),
    })
  ).arrayBuffer();
  await (
    await fetch(base + formPath, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(FORM),
    })
  ).arrayBuffer();
}

async function fetchStream(base, formPath) {
  const body = new URLSearchParams(FORM).toString();
  const stream = new ReadableStream({
    start(controller) {
      const enc = new TextEncoder();
      controller.enqueue(enc.encode(body.slice(0, 8)));
      controller.enqueue(enc.encode(body.slice(8)));
      controller.close();
    },
  });
  await (
    await fetch(base + formPath, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: stream,
      duplex: "half",
    })
  ).arrayBuffer();
}

function request(agent, base, method, path, headers, chunks) {
  return new Promise((resolve, reject) => {
    const req = http.request(base + path, { agent, method, headers }, (res) => {
      res.resume();
      res.on("end", resolve);
    });
    req.on("error", reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

async function httpKeepalive(base, formPath) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  await request(agent, base, "GET", "/", {}, []);
  const body = new URLSearchParams(FORM).toString();
  // No Content-Length and several writes: node:http sends it chunked.
  await request(
    agent,
    base,
    "POST",
    formPath,
    { "content-type": "application/x-www-form-urlencoded" },
    [body.slice(0, 8), body.slice(8)],
  );
  agent.destroy();
}

const SCENARIOS = {
  fetch: fetchScenario,
  "fetch-stream": fetchStream,
  "http-keepalive": httpKeepalive,
};

const [scenario, base, formPath] = process.argv.slice(2);
if (!SCENARIOS[scenario] || !base || !formPath) {
  console.error("usage: node node_clients.js SCENARIO BASE_URL FORM_PATH");
  process.exit(2);
}
SCENARIOS[scenario](base.replace(/\/$/, ""), formPath).catch((e) => {
  console.error(e);
  process.exit(1);
});
