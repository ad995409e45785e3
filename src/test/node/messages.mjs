// The official Anthropic TypeScript SDK (@anthropic-ai/sdk) talking to the gateway's POST /v1/messages.
// Prints one JSON line per call. Usage: ANTHROPIC_BASE_URL=http://127.0.0.1:8080 node messages.mjs <mode> <model> "question"
// mode: plain | stream | tool | error
import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic({ apiKey: process.env.ANTHROPIC_API_KEY ?? "unused-by-the-gateway", maxRetries: 0 });
const [mode, model, question] = process.argv.slice(2);
const messages = [{ role: "user", content: question ?? "hello" }];
const tools = [{ name: "lookup", description: "Looks a thing up",
  input_schema: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } }];

function summary(message, response, extra = {}) {
  return JSON.stringify({
    id: message.id, type: message.type, model: message.model, stop_reason: message.stop_reason,
    text: message.content.filter((b) => b.type === "text").map((b) => b.text).join(""),
    blocks: message.content.map((b) => b.type),
    tool: message.content.find((b) => b.type === "tool_use") ?? null,
    usage: message.usage, gateway: message.gateway ?? null,
    provider: response?.headers.get("x-gateway-provider") ?? null, ...extra });
}

if (mode === "plain" || mode === "tool") {
  const params = { model, max_tokens: 256, system: "Be brief.", messages };
  if (mode === "tool") Object.assign(params, { tools, tool_choice: { type: "any" } });
  const { data, response } = await client.messages.create(params).withResponse();
  console.log(summary(data, response));
} else if (mode === "stream") {
  // the SDK's accumulator: text events as they come, then the whole message
  const stream = client.messages.stream({ model, max_tokens: 256, messages });
  let streamed = "";
  stream.on("text", (t) => { streamed += t; });
  const final = await stream.finalMessage();
  // the gateway object rides on message_delta: read it from the raw events
  const { data: raw, response } = await client.messages.create({ model, max_tokens: 256, messages, stream: true })
    .withResponse();
  const types = [];
  let text = "";
  let gateway = null;
  for await (const event of raw) {
    if (types[types.length - 1] !== event.type) types.push(event.type);
    if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
    if (event.type === "message_delta") gateway = event.gateway ?? null;
  }
  console.log(summary(final, null, { streamed }));
  console.log(JSON.stringify({ types, text, gateway, provider: response.headers.get("x-gateway-provider") }));
} else if (mode === "error") {
  try {
    await client.messages.create({ model, max_tokens: 16, messages, thinking: { type: "enabled", budget_tokens: 1024 } });
    console.log(JSON.stringify({ error: null }));
  } catch (e) {
    console.log(JSON.stringify({ error: { name: e.constructor.name, status: e.status, type: e.error?.error?.type,
      param: e.error?.error?.param, code: e.error?.error?.code } }));
  }
}
