// The official OpenAI Node SDK's embeddings against the gateway: the SDK's default (it asks for base64 and
// decodes it itself), encoding_format float, and encoding_format base64 (decoded here), each with its provider.
// Usage: OPENAI_BASE_URL=http://127.0.0.1:8080/v1 node embeddings.mjs "text"
import OpenAI from "openai";

const client = new OpenAI({ apiKey: "unused-by-the-gateway", maxRetries: 0 });
const input = process.argv[2] ?? "hello";
const model = "text-embedding-3-small";

const sdkDefault = await client.embeddings.create({ model, input: [input, "second"] }).withResponse();
const asFloat = await client.embeddings.create({ model, input, encoding_format: "float" }).withResponse();
const asBase64 = await client.embeddings
  .create({ model, input, encoding_format: "base64", dimensions: 256 })
  .withResponse();
const bytes = Buffer.from(asBase64.data.data[0].embedding, "base64");
const decoded = Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));

const summary = ({ data, response }, vectors) => ({
  vectors,
  model: data.model,
  usage: data.usage,
  provider: response.headers.get("x-gateway-provider"),
  attempts: response.headers.get("x-gateway-attempts"),
});
console.log(JSON.stringify({
  sdk_default: summary(sdkDefault, sdkDefault.data.data.map((d) => Array.from(d.embedding))),
  float: summary(asFloat, [asFloat.data.data[0].embedding]),
  base64: { ...summary(asBase64, [decoded]), encoded: typeof asBase64.data.data[0].embedding },
}));
