package dev.aigateway.config;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.spi.Registry;

import dev.aigateway.auth.ApiKeys;
import dev.aigateway.chain.ProviderCall;
import dev.aigateway.http.HttpIngress;
import dev.aigateway.idempotency.Idempotency;
import dev.aigateway.request.RequestDeadline;
import dev.aigateway.requestlog.RequestLog;
import dev.aigateway.stream.AnswerStreams;

/**
 * The steps every chat request runs, as {@link Processor} beans ({@code - process: {ref: step.<bean>.<method>}} in
 * routes/http-ingress.yaml, chat.yaml and providers.yaml): a {@code bean} step finds its method and binds its
 * arguments by reflection on every exchange, which the streamed profile showed at 4 % of the gateway's time
 * (bench/results/profile-stream.md). Each processor looks its bean up once, on first use, so the beans may be
 * bound in any order.
 */
public final class Steps {
    private Steps() {
    }

    /** A call of one bean's method with the exchange. */
    @FunctionalInterface
    interface Call<T> {
        void run(T bean, Exchange exchange) throws Exception;
    }

    /** Set by each provider route (routes/providers.yaml) to its provider's name, for its prepare and complete steps. */
    public static final String PROVIDER = "gatewayProviderRoute";

    public static void bind(Registry registry) {
        step(registry, "step.httpAdmission.admit", "httpAdmission", HttpWorkers.Admission.class, HttpWorkers.Admission::admit);
        step(registry, "step.apiKeys.authenticate", "apiKeys", ApiKeys.class, (b, e) -> b.authenticate(e, "http"));
        step(registry, "step.httpIngress.readRequest", "httpIngress", HttpIngress.class, HttpIngress::readRequest);
        step(registry, "step.requestDeadline.start", "requestDeadline", RequestDeadline.class, RequestDeadline::start);
        step(registry, "step.idempotency.replayHttp", "idempotency", Idempotency.class, Idempotency::replayHttp);
        step(registry, "step.apiKeys.admit", "apiKeys", ApiKeys.class, ApiKeys::admit);
        step(registry, "step.apiKeys.account", "apiKeys", ApiKeys.class, ApiKeys::account);
        step(registry, "step.idempotency.storeHttp", "idempotency", Idempotency.class, Idempotency::storeHttp);
        step(registry, "step.requestLog.record", "requestLog", RequestLog.class, (b, e) -> b.record(e, "http"));
        step(registry, "step.httpIngress.writeResponse", "httpIngress", HttpIngress.class, HttpIngress::writeResponse);
        step(registry, "step.answerStreams.open", "answerStreams", AnswerStreams.class, AnswerStreams::open);
        step(registry, "step.providerCall.prepare", "providerCall", ProviderCall.class,
                (b, e) -> b.prepare(e, e.getProperty(PROVIDER, String.class)));
        step(registry, "step.providerCall.complete", "providerCall", ProviderCall.class,
                (b, e) -> b.complete(e, e.getProperty(PROVIDER, String.class)));
    }

    private static <T> void step(Registry registry, String name, String bean, Class<T> type, Call<T> call) {
        registry.bind(name, Processor.class, new Processor() {
            private volatile T target;

            @Override
            public void process(Exchange exchange) throws Exception {
                T b = target;
                if (b == null) {
                    b = registry.lookupByNameAndType(bean, type);
                    if (b == null) {
                        throw new IllegalStateException("no bean " + bean + " for step " + name);
                    }
                    target = b;
                }
                call.run(b, exchange);
            }

            @Override
            public String toString() {
                return name;
            }
        });
    }
}
