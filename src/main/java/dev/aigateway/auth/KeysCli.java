package dev.aigateway.auth;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Key management from a shell, on the keys file itself (a running gateway picks the change up within a
 * second):
 * <pre>
 *   java -cp target/ai-failover-gateway.jar dev.aigateway.auth.KeysCli create --owner team-a [--chains default,premium]
 *        [--models gpt-4.1,...] [--rpm 60] [--budget 100] [--max-tokens 4096] [--max-n 1] [--file config/gateway-keys.json]
 *   ... KeysCli list  [--file ...]
 *   ... KeysCli revoke key_0123abcd  [--file ...]
 * </pre>
 * {@code create} prints the key once; the file keeps only its SHA-256.
 */
public final class KeysCli {
    private KeysCli() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = new ArrayList<>(Arrays.asList(args));
        if (a.isEmpty()) {
            usage();
            return;
        }
        String command = a.remove(0);
        KeyFile file = new KeyFile(Path.of(option(a, "--file", "config/gateway-keys.json")));
        switch (command) {
            case "create" -> {
                KeyFile.Created c = file.create(option(a, "--owner", null), list(option(a, "--chains", "")),
                        list(option(a, "--models", "")), Integer.parseInt(option(a, "--rpm", "0")),
                        Double.parseDouble(option(a, "--budget", "0")), Integer.parseInt(option(a, "--max-tokens", "0")),
                        Integer.parseInt(option(a, "--max-n", "0")));
                System.out.println("id:    " + c.key().id());
                System.out.println("owner: " + c.key().owner());
                System.out.println("key:   " + c.secret() + "   (shown once: keep it; the file keeps only its SHA-256)");
            }
            case "list" -> {
                for (GatewayKey k : file.read()) {
                    System.out.printf("%s  %-20s %s rpm=%d budget=%.2f chains=%s models=%s%n", k.id(), k.owner(),
                            k.revoked() ? "REVOKED" : "active ", k.rpm(), k.monthlyBudgetUsd(), k.chains(), k.models());
                }
            }
            case "revoke" -> {
                String id = a.isEmpty() ? null : a.get(0);
                if (id == null || !file.revoke(id)) {
                    System.err.println("no key with id " + id + " in " + file.path());
                    System.exit(1);
                }
                System.out.println("revoked " + id + " (a running gateway refuses it within a second)");
            }
            default -> usage();
        }
    }

    private static String option(List<String> a, String name, String fallback) {
        int i = a.indexOf(name);
        if (i < 0 || i + 1 >= a.size()) {
            return fallback;
        }
        String v = a.get(i + 1);
        a.remove(i + 1);
        a.remove(i);
        return v;
    }

    private static List<String> list(String csv) {
        return csv == null || csv.isBlank() ? List.of() : Arrays.stream(csv.split(",")).map(String::trim).toList();
    }

    private static void usage() {
        System.err.println("usage: KeysCli create --owner <name> [--chains a,b] [--models m1,m2] [--rpm N] [--budget USD]"
                + " [--max-tokens N] [--max-n N]"
                + " [--file config/gateway-keys.json]\n       KeysCli list [--file ...]\n       KeysCli revoke <id> [--file ...]");
    }
}
