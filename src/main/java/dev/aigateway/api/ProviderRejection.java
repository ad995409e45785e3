package dev.aigateway.api;

/**
 * A provider said the request itself is wrong (HTTP 400/413/422). Every provider would say the same, so
 * the chain stops and the client gets the provider's status and message.
 */
public record ProviderRejection(String provider, int status, String type, String code, String param, String message) {

    public GatewayException toException() {
        return new GatewayException(status, type, code, param, message);
    }
}
