package dev.aigateway.provider;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * A Bedrock provider's credentials: the AWS SDK's default chain (system properties, AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, AWS_PROFILE and ~/.aws, container or instance role; web identity and
 * SSO would need the SDK's STS / SSO clients, not shipped), resolved at each signing: the SDK caches them and
 * refreshes temporary ones before they expire. The key the gateway tracks ({@link #value()}) is the access key
 * id, never the secret.
 */
public final class AwsCredentialChain implements KeySource {
    /** Where the chain looks, for the start-up WARN of a provider left without credentials. */
    public static final String LOOKED_FOR = "AWS credentials in the SDK's default chain (AWS_ACCESS_KEY_ID/"
            + "AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, container or instance role)";

    /** Outcome of a call that found no AWS credentials to sign with (attempts list, metrics). */
    public static final String UNAVAILABLE = "aws_credentials_unavailable";

    private final String name;
    private final AwsCredentialsProvider provider;
    private final String describeAs;

    private AwsCredentialChain(String name, AwsCredentialsProvider provider, String describeAs) {
        this.name = name;
        this.provider = provider;
        this.describeAs = describeAs;
    }

    /** Provider {@code name}'s default chain; nothing is resolved before the first use. */
    public static AwsCredentialChain standard(String name) {
        return new AwsCredentialChain(name, DefaultCredentialsProvider.builder().build(), null);
    }

    /** Fixed credentials (tests; the offline demo, whose simulator checks the signature's form only). */
    public static AwsCredentialChain of(String name, AwsCredentialsProvider provider, String describeAs) {
        return new AwsCredentialChain(name, provider, describeAs);
    }

    /** Placeholder credentials for a simulated provider (the offline demo): the simulator checks the form only. */
    public static AwsCredentialChain placeholder(String name) {
        return of(name, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDSIMULATED", "simulated")),
                "placeholder AWS credentials (simulated)");
    }

    /** The credentials to sign with now. @throws SdkClientException when the chain has none */
    public AwsCredentialsIdentity identity() {
        return provider.resolveCredentials();
    }

    /**
     * The credentials to sign a call with. @throws dev.aigateway.chain.ProviderFailedException when the chain has
     * none now (expired SSO session, role no longer assumable): the chain falls back, the reason named, no secret.
     */
    AwsCredentialsIdentity forSigning() {
        try {
            return identity();
        } catch (SdkClientException e) {
            String why = e.getMessage() == null ? "none found" : e.getMessage().lines().findFirst().orElse("");
            throw new dev.aigateway.chain.ProviderFailedException(name, UNAVAILABLE, 0, "no AWS credentials for " + name
                    + ": " + (why.length() > 200 ? why.substring(0, 200) + "..." : why));
        }
    }

    @Override
    public String value() {
        try {
            return identity().accessKeyId();
        } catch (SdkClientException none) {
            return null;
        }
    }

    /** The SDK refreshes expiring credentials itself; a refused call reads the chain again all the same. */
    @Override
    public String reload() {
        return value();
    }

    /** Resolves the chain (at start-up: decides whether the provider is called or disabled). */
    @Override
    public boolean present() {
        return value() != null;
    }

    @Override
    public String describe() {
        if (describeAs != null) {
            return describeAs;
        }
        try {
            return "AWS credentials from " + identity().providerName().orElse("the default chain");
        } catch (SdkClientException none) {
            return "no " + LOOKED_FOR;
        }
    }

    @Override
    public String toString() {
        return "AwsCredentialChain[" + describe() + "]";
    }
}
