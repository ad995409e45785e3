// The official OpenAI Node SDK against the gateway: a plain call, then the gateway's headers.
// Usage: OPENAI_BASE_URL=http://127.0.0.1:8080/v1 node chat.mjs "question"
import OpenAI from "openai";

const client = new OpenAI({ apiKey: "unused-by-the-gateway", maxRetries: 0 });
const { data, response } = await client.chat.completions
  .create({
    model: "gpt-4.1",
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: process.argv[2] ?? "hello" },
    ],
    max_tokens: 64,
  })
  .withResponse();
console.log(JSON.stringify({
  content: data.choices[0].message.content,
  model: data.model,
  finish_reason: data.choices[0].finish_reason,
  usage: data.usage,
  provider: response.headers.get("x-gateway-provider"),
  attempts: response.headers.get("x-gateway-attempts"),
}));

try {
  await client.chat.completions.create({ model: "gpt-4.1", messages: [] });
  console.log(JSON.stringify({ error: null }));
} catch (e) {
  console.log(JSON.stringify({ error: { status: e.status, type: e.type, param: e.param, name: e.constructor.name } }));
}
