package dev.aigateway.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.aigateway.api.Json;

/** The simulator's continuations: partial from A + continuation from B == A's whole answer, wherever A was cut. */
class SimulatedAnswerTest {

    private static com.fasterxml.jackson.databind.JsonNode request(String model, String partial) throws Exception {
        return Json.MAPPER.readTree("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"go on\"}"
                + (partial == null ? "" : ",{\"role\":\"assistant\",\"content\":\"" + partial + "\"}") + "]}");
    }

    @Test
    void aPartialCutInsideAnotherProvidersHeaderIsFinishedAsThatProvidersAnswer() throws Exception {
        String whole = SimulatedAnswer.of("openai", request("gpt-4.1", null)).text();
        assertEquals("Simulated openai (gpt-4.1) answering: go on", whole);
        // "Simulated " alone is anyone's start: cut after it
        for (int cut : new int[] { 12, 16, 22, 30, whole.length() - 3 }) {
            String partial = whole.substring(0, cut);
            String rest = SimulatedAnswer.of("anthropic", request("claude-sonnet-4-6", partial)).text();
            assertEquals(whole, partial + rest, "cut after " + cut + " characters");
        }
    }
}
