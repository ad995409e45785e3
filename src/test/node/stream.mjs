// The official OpenAI Node SDK streaming through the gateway: once by iterating the chunks, once through the
// SDK's own accumulator (chat.completions.stream). Prints one JSON summary line per way.
// Usage: OPENAI_BASE_URL=http://127.0.0.1:8080/v1 node stream.mjs "question"
import OpenAI from "openai";

const client = new OpenAI({ apiKey: "unused-by-the-gateway", maxRetries: 0 });
const messages = [{ role: "user", content: process.argv[2] ?? "hello" }];

const { data: stream, response } = await client.chat.completions
  .create({ model: "gpt-4.1", messages, stream: true, stream_options: { include_usage: true } })
  .withResponse();
let text = "";
let chunks = 0;
let finish = null;
let usage = null;
let gateway = null;
const models = [];
for await (const chunk of stream) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  if (chunk.gateway) gateway = chunk.gateway;
  const choice = chunk.choices[0];
  if (!choice) continue;
  text += choice.delta?.content ?? "";
  if (choice.finish_reason) finish = choice.finish_reason;
  if (!models.includes(chunk.model)) models.push(chunk.model);
}
console.log(JSON.stringify({ text, chunks, models, finish_reason: finish, usage, gateway,
  provider: response.headers.get("x-gateway-provider") }));

const runner = client.chat.completions.stream({ model: "gpt-4.1", messages, stream_options: { include_usage: true } });
const final = await runner.finalChatCompletion();
console.log(JSON.stringify({ content: final.choices[0].message.content, finish_reason: final.choices[0].finish_reason,
  usage: final.usage }));
