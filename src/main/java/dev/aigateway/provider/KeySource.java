package dev.aigateway.provider;

/** Where a provider's key comes from: a static key ({@link Credential}) or OAuth2 tokens ({@link OAuth2Token}). */
public interface KeySource {

    /** The key to send now, or null when there is none. */
    String value();

    /** The provider refused the key (401): read or fetch it anew, once; returns the key now in force. */
    String reload();

    /**
     * The provider refused the key whose {@code hashCode()} is {@code rejectedHash}: the key now in force, fetched
     * anew only when the one held is still that refused key (a burst of 401s for one token fetches once).
     */
    default String reload(int rejectedHash) {
        return reload();
    }

    /** True when a key is configured (decides at start-up whether a provider is called, disabled or simulated); never fetches. */
    boolean present();

    /** Where the key comes from, for logs: never the key itself. */
    String describe();
}
