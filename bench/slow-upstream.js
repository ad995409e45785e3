// A slow OpenAI-compatible upstream for bench/kafka.sh: answers every POST after DELAY_MS with the same
// completion the nginx stub returns (nginx has no echo_sleep here, so nginx proxies the slow row to this).
//   node bench/slow-upstream.js PORT DELAY_MS
const http = require('http');
const port = +process.argv[2], delay = +(process.argv[3] || 2000);
const body = JSON.stringify({id: 'chatcmpl-stub', object: 'chat.completion', created: 1700000000, model: 'stub-model',
  choices: [{index: 0, message: {role: 'assistant', content: 'Hello from the stub upstream.'}, finish_reason: 'stop'}],
  usage: {prompt_tokens: 12, completion_tokens: 7, total_tokens: 19}});
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => setTimeout(() => {
    res.writeHead(200, {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)});
    res.end(body);
  }, delay));
});
server.keepAliveTimeout = 60000;
server.maxConnections = 20000;
server.listen(port, '127.0.0.1');
