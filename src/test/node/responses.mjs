// The official OpenAI Node SDK on the gateway's Responses API (POST /v1/responses). Prints one JSON line per step.
// Usage: OPENAI_BASE_URL=http://127.0.0.1:8080/v1 node responses.mjs plain|stream|broken|refused "question"
import OpenAI from "openai";

const client = new OpenAI({ apiKey: "unused-by-the-gateway", maxRetries: 0 });
const [mode, question = "hello"] = process.argv.slice(2);
const print = (o) => console.log(JSON.stringify(o));

if (mode === "plain") {
  const { data, response } = await client.responses
    .create({ model: "gpt-4.1", instructions: "Be brief.", input: question })
    .withResponse();
  print({ output_text: data.output_text, status: data.status, model: data.model, usage: data.usage,
    gateway: data.gateway, provider: response.headers.get("x-gateway-provider"),
    attempts: response.headers.get("x-gateway-attempts") });
} else if (mode === "stream") {
  // the raw events, as an application iterating the stream sees them
  const { data: stream, response } = await client.responses
    .create({ model: "gpt-4.1", input: question, stream: true })
    .withResponse();
  let text = "";
  const types = [];
  const sequence = [];
  let completed = null;
  for await (const event of stream) {
    types.push(event.type);
    sequence.push(event.sequence_number);
    if (event.type === "response.output_text.delta") text += event.delta;
    if (event.type === "response.completed") completed = event.response;
  }
  print({ text, types, sequence, completed, provider: response.headers.get("x-gateway-provider") });
  // the SDK's own accumulator (responses.stream), which checks every event against the items it knows
  const runner = client.responses.stream({ model: "gpt-4.1", input: question });
  let deltas = "";
  runner.on("response.output_text.delta", (e) => { deltas += e.delta; });
  const final = await runner.finalResponse();
  print({ output_text: final.output_text, deltas, status: final.status, items: final.output.length });
} else if (mode === "broken") {
  // a stream that breaks for good: the SDK's own accumulator raises the gateway's error event as an APIError
  const runner = client.responses.stream({ model: "gpt-4.1", input: question });
  let deltas = "";
  runner.on("response.output_text.delta", (e) => { deltas += e.delta; });
  try {
    await runner.finalResponse();
    print({ deltas, error: null });
  } catch (e) {
    print({ deltas, error: { name: e.constructor.name, code: e.code ?? e.error?.code, message: e.message } });
  }
} else if (mode === "refused") {
  for (const extra of [{ previous_response_id: "resp_123" }, { tools: [{ type: "web_search" }] }]) {
    try {
      await client.responses.create({ model: "gpt-4.1", input: question, ...extra });
      print({ error: null });
    } catch (e) {
      print({ error: { name: e.constructor.name, status: e.status, code: e.code, param: e.param } });
    }
  }
} else {
  throw new Error("mode: plain | stream | broken | refused");
}
