package dev.aigateway.provider;

/** Where a provider's key comes from: a static key ({@link Credential}) or OAuth2 tokens ({@link OAuth2Token}). */
public interface KeySource {

    /** The key to send now, or null when there is none. */
    String value();

    /** The provider refused the key (401): read or fetch it anew, once; returns the key now in force. */
    String reload();

    /** True when a key is configured (decides at start-up whether a provider is called, disabled or simulated); never fetches. */
    boolean present();

    /** Where the key comes from, for logs: never the key itself. */
    String describe();
}
