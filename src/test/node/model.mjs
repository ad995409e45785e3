// The official OpenAI Node SDK routed by model: lists the gateway's models, then asks for one by name.
// Usage: OPENAI_BASE_URL=http://127.0.0.1:8080/v1 node model.mjs claude-sonnet-4-6 "question"
import OpenAI from "openai";

const client = new OpenAI({ apiKey: "unused-by-the-gateway", maxRetries: 0 });
const ids = [];
for await (const m of client.models.list()) ids.push({ id: m.id, chain: m.chain });
const { data, response } = await client.chat.completions
  .create({ model: process.argv[2], messages: [{ role: "user", content: process.argv[3] ?? "hello" }] })
  .withResponse();
console.log(JSON.stringify({
  models: ids,
  content: data.choices[0].message.content,
  model: data.model,
  provider: response.headers.get("x-gateway-provider"),
  route: response.headers.get("x-gateway-route"),
}));
try {
  await client.chat.completions.create({ model: "gpt-9", messages: [{ role: "user", content: "hi" }] });
  console.log(JSON.stringify({ error: null }));
} catch (e) {
  console.log(JSON.stringify({ error: { status: e.status, code: e.code, param: e.param, message: e.message } }));
}
