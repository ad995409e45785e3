package dev.aigateway.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.aigateway.api.Json;

/**
 * What a simulated provider answers to one chat request, in either API: a text that says who answered (so a
 * reader, or a test, sees the fallback in the answer itself), a continuation of a cut answer, or a call to the
 * first tool offered. Also how that answer is cut into streamed pieces.
 */
public final class SimulatedAnswer {
    /** The prompt echoed back is cut here, so an answer (and its stream) stays short whatever the prompt. */
    static final int MAX_ECHO = 200;
    /** Tool arguments stream in fragments about this long, as real providers send them. */
    static final int ARGUMENT_PIECE = 8;
    /** The start of every simulated text answer; without the trailing space because callers may trim it. */
    private static final Pattern HEADER = Pattern.compile("^Simulated (\\S+) \\(([^)]*)\\) answering:");

    /**
     * Every (provider, model) a simulator of this JVM has answered as: a partial cut inside another provider's
     * header ("Simulated open") can only be rebuilt with that provider's model. A handful of pairs at most.
     */
    private static final java.util.Set<String> HEADERS_SEEN = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final String text;
    private final String toolName;
    private final String toolId;
    private final List<String> pieces;

    private SimulatedAnswer(String text, String toolName, String toolId, List<String> pieces) {
        this.text = text;
        this.toolName = toolName;
        this.toolId = toolId;
        this.pieces = List.copyOf(pieces);
    }

    /** The answer of provider {@code provider} to {@code request} (an OpenAI or Anthropic request body). */
    static SimulatedAnswer of(String provider, JsonNode request) {
        List<JsonNode> messages = new ArrayList<>();
        request.path("messages").forEach(messages::add);
        int n = messages.size();
        String model = request.path("model").asText("sim-model");
        String ownHeader = "Simulated " + provider + " (" + model + ") answering:";
        if (HEADERS_SEEN.size() < 64) {
            HEADERS_SEEN.add(ownHeader);
        }
        String continued = continuation(messages, n, provider, model);
        if (continued != null) {
            return text(continued);
        }
        String user = echo(lastUserText(messages, n));
        JsonNode tools = request.path("tools");
        if (tools.isArray() && !tools.isEmpty() && !toolsOff(request.path("tool_choice"))) {
            JsonNode first = tools.get(0);
            String name = first.path("function").path("name").asText(first.path("name").asText("tool"));
            ObjectNode args = Json.object().put("query", user);
            String json;
            try {
                json = Json.MAPPER.writeValueAsString(args);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            String id = Long.toHexString(ThreadLocalRandom.current().nextLong());
            return new SimulatedAnswer(json, name, id, argumentPieces(json));
        }
        return text("Simulated " + provider + " (" + model + ") answering: " + user);
    }

    private static SimulatedAnswer text(String text) {
        return new SimulatedAnswer(text, null, null, pieces(text));
    }

    /**
     * What an ideal model adds when asked to continue a cut answer P: either P is the last message (Anthropic
     * prefill) or P is followed by one user message (a "continue" instruction). A cut simulated answer can be
     * rebuilt from its header and the user text before it, so "partial from A + continuation from B" equals
     * A's full answer. A partial cut inside a header ("Simulated open") is completed with the header it starts: this
     * provider's own, or one a simulator of this JVM answered with before. Null when the request is no such continuation.
     */
    private static String continuation(List<JsonNode> messages, int n, String provider, String model) {
        int at;
        if (n >= 1 && isRole(messages.get(n - 1), "assistant")) {
            at = n - 1;
        } else if (n >= 2 && isRole(messages.get(n - 2), "assistant") && isRole(messages.get(n - 1), "user")) {
            at = n - 2;
        } else {
            return null;
        }
        String partial = textOf(messages.get(at).path("content"));
        Matcher header = HEADER.matcher(partial);
        if (partial.isEmpty()) {
            return null;
        }
        if (!header.find()) {
            // cut inside a header: this provider's own, else one a simulator answered with before
            String user = echo(lastUserText(messages, at));
            List<String> headers = new ArrayList<>();
            headers.add("Simulated " + provider + " (" + model + ") answering:");
            headers.addAll(HEADERS_SEEN);
            for (String h : headers) {
                String full = h + " " + user;
                if (full.startsWith(partial) && full.length() > partial.length()) {
                    return full.substring(partial.length());
                }
            }
            return null;
        }
        String full = header.group() + " " + echo(lastUserText(messages, at));
        return full.startsWith(partial) && full.length() > partial.length() ? full.substring(partial.length()) : null;
    }

    /** The text of the last user message before index {@code end}, "" if none. */
    private static String lastUserText(List<JsonNode> messages, int end) {
        for (int i = end - 1; i >= 0; i--) {
            if (isRole(messages.get(i), "user")) {
                return textOf(messages.get(i).path("content"));
            }
        }
        return "";
    }

    private static boolean isRole(JsonNode message, String role) {
        return role.equals(message.path("role").asText());
    }

    /** A message's text: a plain string, or the text parts/blocks of an array (tool_use blocks etc. skipped). */
    static String textOf(JsonNode content) {
        if (content.isTextual()) {
            return content.asText();
        }
        StringBuilder s = new StringBuilder();
        for (JsonNode part : content) {
            if (part.isTextual()) {
                s.append(part.asText());
            } else if ("text".equals(part.path("type").asText()) || !part.has("type") && part.has("text")) {
                s.append(part.path("text").asText(""));
            }
        }
        return s.toString();
    }

    private static String echo(String user) {
        return user.length() > MAX_ECHO ? user.substring(0, MAX_ECHO) : user;
    }

    /** tool_choice "none" (OpenAI) or {"type":"none"} (Anthropic): the model must answer in text. */
    private static boolean toolsOff(JsonNode choice) {
        return "none".equals(choice.asText()) || "none".equals(choice.path("type").asText());
    }

    /**
     * A text cut into word pieces: piece 0 up to the first space after position 0, then each piece a space and
     * the word after it. Joined, the pieces give back the exact text (leading space and runs of spaces included).
     */
    public static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) == ' ') {
                out.add(text.substring(start, i));
                start = i;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    /** Tool arguments in fragments of about {@link #ARGUMENT_PIECE} chars, never splitting a surrogate pair. */
    static List<String> argumentPieces(String json) {
        List<String> out = new ArrayList<>();
        int start = 0;
        while (start < json.length()) {
            int end = Math.min(json.length(), start + ARGUMENT_PIECE);
            if (end < json.length() && Character.isLowSurrogate(json.charAt(end))) {
                end++;
            }
            out.add(json.substring(start, end));
            start = end;
        }
        return out;
    }

    /** True when the answer is a call to a tool; {@link #text()} then holds its JSON arguments. */
    public boolean toolCall() {
        return toolName != null;
    }

    /** The answer text, or for a tool call its arguments ({@code {"query":"…"}}). */
    public String text() {
        return text;
    }

    /** The called tool's name, null for a text answer. */
    public String toolName() {
        return toolName;
    }

    /** The tool call id in the API's style. */
    String toolId(boolean anthropic) {
        return (anthropic ? "toolu_sim" : "call_sim") + toolId;
    }

    /** The streamed pieces (words of the text, or argument fragments); usage is counted apart ({@link SimulatedUsage}). */
    public List<String> pieces() {
        return pieces;
    }

    /** The tool's input as a JSON object (Anthropic non-streaming {@code input}). */
    JsonNode arguments() {
        try {
            return Json.MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
