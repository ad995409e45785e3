package dev.aigateway.config;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Virtual threads where the JDK has them (21+). The code is compiled for Java 17, so the executor is
 * looked up at run time; callers fall back to platform threads when {@link #available()} is false.
 */
public final class VirtualThreads {
    private VirtualThreads() {
    }

    public static boolean available() {
        return Runtime.version().feature() >= 21;
    }

    /** Executors.newVirtualThreadPerTaskExecutor(). */
    public static ExecutorService newPerTaskExecutor() {
        try {
            return (ExecutorService) MethodHandles.publicLookup()
                    .findStatic(Executors.class, "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class))
                    .invoke();
        } catch (Throwable e) {
            throw new IllegalStateException("virtual threads unavailable on JDK " + Runtime.version().feature(), e);
        }
    }
}
