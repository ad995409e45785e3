package dev.aigateway.provider;

import java.io.IOException;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * An OpenAI {@code chat.completion.chunk} whose only delta is text (role, content), read with Jackson's
 * streaming parser instead of a tree: an OpenAI client gets its JSON as the provider wrote it. Only a chunk
 * that the tree path would write out byte for byte the same is read this way ({@link #read}); anything else
 * (tool calls, reasoning or refusal deltas, logprobs, usage on a chunk with choices, an error, escapes,
 * whitespace, fractions) is left to the tree. The tree is still built on demand ({@link #tree}) when the
 * gateway must rewrite the chunk (another provider's id, a continuation's first chunk, another client API).
 */
public final class PlainChunk {
    private static final String NULL_USAGE = "\"usage\":null";

    private final String json;
    private final String id;
    private final long created;
    private final String content;
    private ObjectNode tree;

    private PlainChunk(String json, String id, long created, String content) {
        this.json = json;
        this.id = id;
        this.created = created;
        this.content = content;
    }

    /** The chunk's JSON as it goes to an OpenAI client (a {@code "usage":null} field taken out). */
    public String json() {
        return json;
    }

    public String id() {
        return id;
    }

    public long created() {
        return created;
    }

    /** {@code choices[0].delta.content}, "" when none. */
    public String content() {
        return content;
    }

    /** The chunk as a tree, for the paths that change it or speak another API; built once, on first use. */
    public ObjectNode tree() {
        if (tree == null) {
            try {
                tree = (ObjectNode) Json.MAPPER.readTree(json);
            } catch (IOException e) {
                throw new UncheckedIOException(e); // read whole once already: cannot happen
            }
        }
        return tree;
    }

    /**
     * Reads an OpenAI chunk event's payload without a tree.
     *
     * @return the event, or null when the payload needs the tree path (see the class comment); a payload
     *         this reader cannot parse is also left to the tree path, which says what is wrong with it
     */
    static StreamEvent read(String payload) {
        if (!compact(payload)) {
            return null;
        }
        try (JsonParser p = Json.MAPPER.getFactory().createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String id = null;
            long created = -1;
            String model = null;
            boolean nullUsage = false;
            long prompt = -1;
            long completion = -1;
            int choices = -1;
            Choice choice = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                switch (field) {
                    case "id" -> {
                        if (v != JsonToken.VALUE_STRING || id != null) {
                            return null;
                        }
                        id = p.getText();
                    }
                    case "created" -> {
                        if (!plainLong(p, v) || created >= 0) {
                            return null;
                        }
                        created = p.getLongValue();
                    }
                    case "model" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            model = p.getText();
                        } else if (v != JsonToken.VALUE_NULL) {
                            return null;
                        }
                    }
                    case "error" -> {
                        if (v != JsonToken.VALUE_NULL) {
                            return null;
                        }
                    }
                    case "usage" -> {
                        if (v == JsonToken.VALUE_NULL) {
                            nullUsage = true;
                        } else if (v == JsonToken.START_OBJECT) {
                            long[] tokens = usage(p);
                            if (tokens == null) {
                                return null;
                            }
                            prompt = tokens[0];
                            completion = tokens[1];
                        } else {
                            return null;
                        }
                    }
                    case "choices" -> {
                        if (v != JsonToken.START_ARRAY || choices >= 0) {
                            return null;
                        }
                        choices = 0;
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            if (++choices > 1) {
                                return null;
                            }
                            choice = choice(p);
                            if (choice == null) {
                                return null;
                            }
                        }
                        if (p.currentToken() != JsonToken.END_ARRAY) {
                            return null;
                        }
                    }
                    default -> {
                        if (!plainValue(p, v)) {
                            return null;
                        }
                    }
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
            boolean hasUsage = prompt >= 0;
            if (choices <= 0) {
                // include_usage's final chunk; Azure's prompt-filter chunk (no usage) carries nothing for us
                return hasUsage ? StreamEvent.usage(prompt, completion, model) : StreamEvent.nothing();
            }
            String text = choice.content == null ? "" : choice.content;
            if (hasUsage || id == null || id.isEmpty() || created < 0 || !text.isEmpty() && choice.finish != null) {
                // usage to take out, an id or created to add, a finish reason to take out of a content chunk: the tree
                return null;
            }
            String out = nullUsage ? withoutNullUsage(payload) : payload;
            if (out == null) {
                return null;
            }
            return new StreamEvent(null, text, false, choice.finish, -1, -1, model, false, null,
                    new PlainChunk(out, id, created, text));
        } catch (IOException | RuntimeException unreadable) {
            return null;
        }
    }

    private record Choice(String content, String finish) {
    }

    /** {@code choices[0]}: index, a text-only delta, finish_reason, and null logprobs; else null. */
    private static Choice choice(JsonParser p) throws IOException {
        String content = null;
        String finish = null;
        boolean delta = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            switch (field) {
                case "delta" -> {
                    if (v != JsonToken.START_OBJECT || delta) {
                        return null;
                    }
                    delta = true;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        JsonToken d = p.nextToken();
                        if ("content".equals(name)) {
                            if (d == JsonToken.VALUE_STRING) {
                                content = p.getText();
                            } else if (d != JsonToken.VALUE_NULL) {
                                return null;
                            }
                        } else if ("role".equals(name)) {
                            if (d != JsonToken.VALUE_STRING && d != JsonToken.VALUE_NULL) {
                                return null;
                            }
                        } else if (!(d == JsonToken.VALUE_NULL || d == JsonToken.VALUE_STRING && p.getTextLength() == 0)) {
                            // reasoning, refusal, tool calls: content beyond text (AnswerStream.carriesMoreThanText)
                            return null;
                        }
                    }
                }
                case "finish_reason" -> {
                    if (v == JsonToken.VALUE_STRING) {
                        finish = p.getText();
                    } else if (v != JsonToken.VALUE_NULL) {
                        return null;
                    }
                }
                case "index" -> {
                    if (!plainLong(p, v)) {
                        return null;
                    }
                }
                default -> {
                    // logprobs and anything unknown: only null or plain scalars pass
                    if (!plainValue(p, v) || v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                        return null;
                    }
                }
            }
        }
        return p.currentToken() == JsonToken.END_OBJECT ? new Choice(content, finish) : null;
    }

    /** A usage object: prompt and completion tokens (as OpenAiCompatibleAdapter.completionTokens counts them). */
    private static long[] usage(JsonParser p) throws IOException {
        long prompt = 0;
        long completion = 0;
        long total = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                p.skipChildren(); // prompt_tokens_details and the like: never passed on (usage is taken out)
                continue;
            }
            if (v != JsonToken.VALUE_NUMBER_INT) {
                if ("prompt_tokens".equals(field) || "completion_tokens".equals(field) || "total_tokens".equals(field)) {
                    return null;
                }
                continue;
            }
            switch (field) {
                case "prompt_tokens" -> prompt = p.getLongValue();
                case "completion_tokens" -> completion = p.getLongValue();
                case "total_tokens" -> total = p.getLongValue();
                default -> {
                }
            }
        }
        return new long[] {prompt, Math.max(completion, total - prompt)};
    }

    /** An integer Jackson would write back as it reads (not -0, not beyond a long). */
    private static boolean plainLong(JsonParser p, JsonToken v) throws IOException {
        return v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                && p.getTextCharacters()[p.getTextOffset()] != '-';
    }

    /**
     * A value a tree would write back as the provider wrote it: strings, booleans, null, integers, and objects
     * or arrays of them (a fraction may come back in another notation: 1e-4 as 1.0E-4).
     */
    private static boolean plainValue(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
            int depth = 1;
            while (depth > 0) {
                JsonToken t = p.nextToken();
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    depth++;
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                } else if (t == null || t.isNumeric() && !plainLong(p, t)) {
                    return false;
                }
            }
            return true;
        }
        return v.isScalarValue() && (!v.isNumeric() || plainLong(p, v));
    }

    /**
     * True when the payload has no escape, no whitespace between tokens and no character beyond the Basic
     * Multilingual Plane: then the tree path writes it back
     * unchanged, and a {@code "} can only delimit a string (an escaped one would need a backslash).
     */
    private static boolean compact(String s) {
        boolean inString = false;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c == '"') {
                inString = !inString;
            } else if (c == '\\' || !inString && c <= ' ' || Character.isSurrogate(c)) {
                // Jackson writes a character beyond the BMP (an emoji) back as an escaped surrogate pair
                return false;
            }
        }
        return true;
    }

    /** The payload without its one {@code "usage":null} field (the tree path removes usage from what it passes on). */
    private static String withoutNullUsage(String payload) {
        int at = payload.indexOf(NULL_USAGE);
        if (at < 0 || payload.indexOf(NULL_USAGE, at + 1) >= 0) {
            return null; // nested somewhere as well: leave it to the tree
        }
        int end = at + NULL_USAGE.length();
        if (payload.charAt(at - 1) == ',') {
            return payload.substring(0, at - 1) + payload.substring(end);
        }
        if (payload.charAt(end) == ',') {
            return payload.substring(0, at) + payload.substring(end + 1);
        }
        return payload.substring(0, at) + payload.substring(end);
    }
}
