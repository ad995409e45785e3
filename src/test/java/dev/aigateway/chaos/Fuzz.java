package dev.aigateway.chaos;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Bad chat requests, reproducibly (a fixed seed): invalid UTF-8 and random bytes, JSON nested too deep,
 * numbers too large or too long, wrong types in every field, broken JSON, and a few larger than the
 * 1 MiB limit. Every one must be refused (4xx over HTTP, a dead letter over Kafka) without a provider call.
 */
public final class Fuzz {
    private Fuzz() {
    }

    public static List<byte[]> inputs(long seed, int n, int oversized) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(i < oversized ? oversize(r) : one(r, i));
        }
        return out;
    }

    private static byte[] one(Random r, int i) {
        return switch (i % 9) {
            case 0 -> randomBytes(r);
            case 1 -> invalidUtf8(r);
            case 2 -> deep(r);
            case 3 -> utf8("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":" + hugeNumber(r) + "}");
            case 4 -> utf8("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":" + hugeNumber(r) + "}");
            case 5 -> utf8(wrongType(r));
            case 6 -> utf8(brokenJson(r));
            case 7 -> utf8("{\"messages\":[{\"role\":\"" + pick(r, "robot", "", "USER", "0") + "\",\"content\":\"x\"}]}");
            default -> utf8(pick(r, "[]", "null", "42", "\"text\"", "true", "{}", "{\"prompt\":\"\"}", "{\"messages\":[]}"));
        };
    }

    private static String wrongType(Random r) {
        String[] values = { "1", "-1", "0.5", "true", "null", "\"s\"", "[]", "{}", "[1,2]", "{\"a\":1}" };
        String v = values[r.nextInt(values.length)];
        return switch (r.nextInt(8)) {
            case 0 -> "{\"messages\":" + (v.equals("[]") || v.equals("[1,2]") ? "\"x\"" : v) + "}";
            case 1 -> "{\"messages\":[" + (v.startsWith("{") ? "1" : v) + "]}";
            case 2 -> "{\"messages\":[{\"role\":\"user\",\"content\":" + (v.startsWith("\"") || v.equals("[]") ? "5" : v) + "}]}";
            case 3 -> "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":" + (v.equals("1") ? "0" : v.equals("null") ? "-3" : v) + "}";
            case 4 -> "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":" + (v.equals("true") || v.equals("null") ? "\"yes\"" : v) + "}";
            case 5 -> "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"model\":" + (v.startsWith("\"") || v.equals("null") ? "7" : v) + "}";
            case 6 -> "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"chain\":" + (v.startsWith("\"") || v.equals("null") ? "\"no such chain!\"" : v) + "}";
            default -> "{\"prompt\":" + (v.startsWith("\"") || v.equals("null") ? "\"\"" : v) + "}";
        };
    }

    private static String brokenJson(Random r) {
        String valid = "{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
        int cut = 1 + r.nextInt(valid.length() - 2);
        return switch (r.nextInt(3)) {
            case 0 -> valid.substring(0, cut);
            case 1 -> valid.substring(0, cut) + "\u0000" + valid.substring(cut);
            default -> valid.replace(":", r.nextBoolean() ? "=" : "::");
        };
    }

    private static byte[] deep(Random r) {
        int depth = 2_000 + r.nextInt(20_000);
        StringBuilder sb = new StringBuilder("{\"messages\":");
        sb.append("[".repeat(depth)).append("]".repeat(depth)).append('}');
        return utf8(sb.toString());
    }

    private static String hugeNumber(Random r) {
        return r.nextBoolean() ? "1e" + (400 + r.nextInt(10_000)) : "9".repeat(1_100 + r.nextInt(5_000));
    }

    private static byte[] randomBytes(Random r) {
        byte[] b = new byte[1 + r.nextInt(2_000)];
        r.nextBytes(b);
        b[0] = '{'; // looks like JSON to a sniffer, is not
        return b;
    }

    private static byte[] invalidUtf8(Random r) {
        byte[] head = utf8("{\"messages\":[{\"role\":\"user\",\"content\":\"");
        byte[] tail = utf8("\"}]}");
        byte[] bad = { (byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE, (byte) 0xED, (byte) 0xA0, (byte) 0x80 };
        byte[] out = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(bad, 0, out, head.length, bad.length);
        System.arraycopy(tail, 0, out, head.length + bad.length, tail.length);
        out[head.length + r.nextInt(bad.length)] = (byte) (0x80 + r.nextInt(0x40)); // a lone continuation byte
        return out;
    }

    private static byte[] oversize(Random r) {
        String filler = "a".repeat(1_100_000);
        return utf8("{\"messages\":[{\"role\":\"user\",\"content\":\"" + filler + "\"}],\"n\":" + r.nextInt(3) + "}");
    }

    // ---- issue 11 B2/B4 (HTTP helper): identifiers, limits, unknown and priced fields ----------------------

    /**
     * Well-formed requests that must still be refused, each with the {@code error.param} it must name: request_id,
     * session_id and chain with CR/LF, DEL or 600 KB; max_tokens / max_completion_tokens / n above the shipped
     * limits (32768 / 8); fields no provider API is sent; fields billed beyond the price table.
     */
    public static Map<String, byte[]> refusedWithParam() {
        Map<String, byte[]> out = new LinkedHashMap<>();
        String big = "i".repeat(600 * 1024);
        for (String field : new String[] { "request_id", "session_id", "chain" }) {
            out.put(field + " CR/LF", request(",\"" + field + "\":\"a\\r\\nX-Injected: 1\""));
            out.put(field + " DEL", request(",\"" + field + "\":\"a\\u007fb\""));
            out.put(field + " 600 KB", request(",\"" + field + "\":\"" + big + "\""));
            out.put(field + " NUL", request(",\"" + field + "\":\"a\\u0000\""));
        }
        out.put("max_tokens", request(",\"max_tokens\":32769"));
        out.put("max_completion_tokens", request(",\"max_completion_tokens\":2147483647"));
        out.put("n", request(",\"n\":9"));
        out.put("frobnicate", request(",\"frobnicate\":{\"deep\":[1,2,3]}"));
        out.put("service_tier", request(",\"service_tier\":\"priority\""));
        out.put("web_search_options", request(",\"web_search_options\":{}"));
        out.put("audio", request(",\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}"));
        out.put("modalities", request(",\"modalities\":[\"text\",\"audio\"]"));
        out.put("prediction", request(",\"prediction\":{\"type\":\"content\",\"content\":\"x\"}"));
        return out;
    }

    private static byte[] request(String extra) {
        return utf8("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]" + extra + "}");
    }

    // ---- end of issue 11 B2/B4 (HTTP helper) ------------------------------------------------------------------

    private static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
