package dev.aigateway.chain;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.model.BeanDefinition;
import org.apache.camel.model.CircuitBreakerDefinition;
import org.apache.camel.model.LoadBalanceDefinition;
import org.apache.camel.model.OnFallbackDefinition;
import org.apache.camel.model.PipelineDefinition;
import org.apache.camel.model.ProcessDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.Resilience4jConfigurationDefinition;
import org.apache.camel.model.SendDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.model.loadbalancer.FailoverLoadBalancerDefinition;
import org.apache.camel.model.loadbalancer.WeightedLoadBalancerDefinition;

import dev.aigateway.config.SettingException;
import dev.aigateway.provider.Providers;

/**
 * Expands the flat steps of a chain file ({@code - to: tier:openai}, {@code - to: tier:anthropic,gemini})
 * into the Camel model the chain runs: step N is a circuitBreaker EIP whose onFallback holds step N+1; the last
 * step's onFallback ends in {@code attempts.allFailed}. A step of one deployment is that deployment's own breaker
 * (onFallback: {@code attempts.fellBack}, then step N+1). A step of several is a breaker {@value #STEP_BREAKER}
 * (which never opens) around its deployments:
 * <pre>
 * loadBalance weighted(distributionRatio w1,w2,..)
 *   ├─ loadBalance failover(roundRobin=false, maximumFailoverAttempts=n-1): [d1, d2, .., dn]
 *   ├─ loadBalance failover(...):                                            [d2, d1, .., dn]
 * each di = circuitBreaker(breaker di) { to direct:provider-di } onFallback { attempts.passOver(*, 'di') }
 * </pre>
 * passOver records the attempt and throws, so failover moves on to the next deployment and, once all are out,
 * the step's circuitBreaker falls back to the next step.
 */
public final class Tiers {
    public static final String SCHEME = "tier:";
    /** Registry name of the breaker the step-to-step circuitBreaker EIPs share (DISABLED: it never opens). */
    public static final String STEP_BREAKER = "chain-step";

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Tiers.class);

    private final Providers providers;
    private final java.util.function.Predicate<String> leftOut;
    /** Deployments called through providerRetry (provider.&lt;name&gt;.retries &gt; 0). */
    private java.util.function.Predicate<String> retried = name -> false;

    public Tiers(Providers providers) {
        this(providers, name -> false);
    }

    /**
     * @param leftOut a provider that has settings (provider.&lt;name&gt;.api) but is not in gateway.providers: a tier
     *                naming it goes on without it (a shipped chain must not stop a gateway run with fewer providers);
     *                any other unknown name refuses the file
     */
    public Tiers(Providers providers, java.util.function.Predicate<String> leftOut) {
        this.providers = providers;
        this.leftOut = leftOut;
    }

    /** The attempts bean: the fallback steps call it as processors, not as bean steps (no reflection per call). */
    private Attempts attempts;

    public Tiers attempts(Attempts attempts) {
        this.attempts = attempts;
        return this;
    }

    /** Deployments for which this is true are called through the {@code providerRetry} bean (see ProviderRetry). */
    public Tiers retried(java.util.function.Predicate<String> retried) {
        this.retried = retried;
        return this;
    }

    /** Rewrites {@code outputs} in place when they hold tier steps; they must be the route's last steps. */
    public void expand(List<ProcessorDefinition<?>> outputs) {
        int first = -1;
        for (int i = 0; i < outputs.size(); i++) {
            if (tierOf(outputs.get(i)) != null) {
                first = first < 0 ? i : first;
            } else if (first >= 0) {
                throw new SettingException("has a " + outputs.get(i).getShortName()
                        + " step after its tier steps: the \"- to: tier:...\" lines must be the chain's last steps");
            }
        }
        if (first < 0) {
            return;
        }
        List<List<String>> steps = new ArrayList<>();
        for (ProcessorDefinition<?> step : outputs.subList(first, outputs.size())) {
            List<String> tier = deployments(tierOf(step));
            if (!tier.isEmpty()) {
                steps.add(tier);
            }
        }
        // every provider of the chain left out of gateway.providers: its requests get the 503 listing none
        ProcessorDefinition<?> chain = steps.isEmpty() ? allFailed() : chain(steps, 0);
        while (outputs.size() > first) {
            outputs.remove(outputs.size() - 1);
        }
        outputs.add(chain);
    }

    /** The deployments a step names, checked: "openai" = all of openai's deployments, "openai.us" = one. */
    List<String> deployments(String tier) {
        List<String> out = new ArrayList<>();
        for (String name : tier.split(",")) {
            List<String> ds = providers.deploymentsOf(name.trim());
            if (ds.isEmpty() && leftOut.test(name.trim())) {
                LOG.warn("\"tier:{}\" names {}, which is not in gateway.providers: the tier goes on without it", tier,
                        name.trim());
                continue;
            }
            if (ds.isEmpty()) {
                throw new SettingException("names '" + name.trim() + "' in \"tier:" + tier + "\", which is neither a "
                        + "configured provider nor a deployment; configured: " + String.join(", ", providers.routableNames()));
            }
            for (String d : ds) {
                if (!out.contains(d)) {
                    out.add(d);
                }
            }
        }
        return out;
    }

    private ProcessorDefinition<?> chain(List<List<String>> steps, int index) {
        List<String> tier = steps.get(index);
        ProcessorDefinition<?> next = index + 1 < steps.size() ? chain(steps, index + 1) : allFailed();
        if (tier.size() == 1) {
            // one deployment: its own breaker is the step (each circuitBreaker EIP copies the exchange once more)
            String name = tier.get(0);
            return deployment(name, call("fellBack(*, '" + name + "')", (a, e) -> a.fellBack(e, name)), next);
        }
        CircuitBreakerDefinition step = breaker(STEP_BREAKER);
        step.addOutput(tier(tier));
        OnFallbackDefinition fallback = new OnFallbackDefinition();
        String joined = String.join(",", tier);
        fallback.addOutput(call("tierOut(*, '" + joined + "')", (a, e) -> a.tierOut(e, joined)));
        fallback.addOutput(next);
        step.setOnFallback(fallback);
        return step;
    }

    private ProcessorDefinition<?> tier(List<String> deployments) {
        LoadBalanceDefinition weighted = new LoadBalanceDefinition();
        WeightedLoadBalancerDefinition w = new WeightedLoadBalancerDefinition();
        w.setDistributionRatio(String.join(",", deployments.stream().map(d -> String.valueOf(providers.weight(d))).toList()));
        // weighted round robin: the configured split exactly, also over a short window (random drifts)
        w.setRoundRobin("true");
        weighted.setLoadBalancerType(w);
        for (int first = 0; first < deployments.size(); first++) {
            LoadBalanceDefinition failover = new LoadBalanceDefinition();
            FailoverLoadBalancerDefinition f = new FailoverLoadBalancerDefinition();
            f.setRoundRobin("false");
            f.setMaximumFailoverAttempts(String.valueOf(deployments.size() - 1));
            failover.setLoadBalancerType(f);
            failover.addOutput(passingOver(deployments.get(first)));
            for (int i = 0; i < deployments.size(); i++) {
                if (i != first) {
                    failover.addOutput(passingOver(deployments.get(i)));
                }
            }
            // Camel refuses a loadBalance directly inside a loadBalance ("Loadbalancer already configured"):
            // a pipeline around it makes it one ordinary output of the weighted balancer
            PipelineDefinition branch = new PipelineDefinition();
            branch.addOutput(failover);
            weighted.addOutput(branch);
        }
        return weighted;
    }

    /** A deployment inside a multi-deployment tier: its fallback records the attempt and throws to the failover balancer. */
    private CircuitBreakerDefinition passingOver(String name) {
        return deployment(name, call("passOver(*, '" + name + "')", (a, e) -> a.passOver(e, name)));
    }

    private CircuitBreakerDefinition deployment(String name, ProcessorDefinition<?>... onFallback) {
        CircuitBreakerDefinition cb = breaker(name);
        if (retried.test(name)) {
            // retries inside the breaker: the breaker sees the series as one call
            BeanDefinition retry = new BeanDefinition();
            retry.setRef("providerRetry");
            retry.setMethod("call(*, '" + name + "')");
            cb.addOutput(retry);
        } else {
            cb.addOutput(new ToDefinition("direct:provider-" + name));
        }
        OnFallbackDefinition fallback = new OnFallbackDefinition();
        for (ProcessorDefinition<?> step : onFallback) {
            fallback.addOutput(step);
        }
        cb.setOnFallback(fallback);
        return cb;
    }

    private static CircuitBreakerDefinition breaker(String name) {
        CircuitBreakerDefinition cb = new CircuitBreakerDefinition();
        Resilience4jConfigurationDefinition r4j = new Resilience4jConfigurationDefinition();
        r4j.setCircuitBreaker(name);
        cb.setResilience4jConfiguration(r4j);
        return cb;
    }

    private ProcessorDefinition<?> allFailed() {
        return call("allFailed", Attempts::allFailed);
    }

    /** A step on the attempts bean: a processor when the bean is known, else a bean step naming {@code method}. */
    private ProcessorDefinition<?> call(String method, java.util.function.BiConsumer<Attempts, org.apache.camel.Exchange> call) {
        Attempts a = attempts;
        return a == null ? bean(method) : new ProcessDefinition(e -> call.accept(a, e));
    }

    private static BeanDefinition bean(String method) {
        BeanDefinition b = new BeanDefinition();
        b.setRef("attempts");
        b.setMethod(method);
        return b;
    }

    private static String tierOf(ProcessorDefinition<?> step) {
        return step instanceof SendDefinition<?> send && send.getUri() != null && send.getUri().startsWith(SCHEME)
                ? send.getUri().substring(SCHEME.length()) : null;
    }
}
