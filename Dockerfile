# AI failover gateway image. Build: docker build -t ai-failover-gateway .   (or: docker compose up --build)
# routes/ and config/ are baked in as defaults; docker-compose.yml mounts the host's copies over them so
# an edit on the host reloads the running chain.

# --- build stage: the same command as the README's, run inside Maven's image -----------------------
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY pom.xml .
COPY src ./src
RUN mvn -B package -DskipTests

# --- runtime stage: the jar and its lib/ (manifest Class-Path lib/) on a JRE --------------------------
# JDK 21+ runs HTTP requests on virtual threads (see docs/operations.md, Concurrency)
FROM eclipse-temurin:25-jre
# the gateway never runs as root: a system user of its own (uid 10001; a mounted config/ it writes
# gateway-keys.json into must be writable by it)
RUN groupadd --system --gid 10001 gateway && useradd --system --uid 10001 --gid gateway --no-create-home gateway
WORKDIR /app
COPY --from=build /src/target/lib/ ./lib/
COPY --from=build /src/target/ai-failover-gateway.jar ./
# defaults; mount your own at /app/routes and /app/config (.dockerignore keeps config/gateway-keys.json and
# data/ out of the image). config/ and data/ belong to the gateway user: the key admin API and the embedded
# broker write there; the code and routes stay root's, read-only to the process
COPY routes/ ./routes/
COPY --chown=gateway:gateway config/ ./config/
RUN mkdir -p data && chown gateway:gateway data
USER 10001:10001
# in a container the API and metrics must listen beyond loopback to be reachable through the published
# ports (outside a container they bind 127.0.0.1 unless auth is on: see docs/keys.md, Security defaults)
ENV GATEWAY_HTTP_HOST=0.0.0.0 CAMEL_MANAGEMENT_HOST=0.0.0.0
# gateway.http.port; 8099 is the simulator's fault switch (docker-compose.yml publishes it on the host's loopback)
EXPOSE 8080 9876
# the JVM flags bin/gateway starts the jar with (a capped heap; docs/benchmarks.md, Memory and start-up);
# the java launcher reads JDK_JAVA_OPTIONS, so docker run -e / compose can replace them
ENV JDK_JAVA_OPTIONS="-XX:+UseSerialGC -Xms64m -Xmx512m -Xss512k -XX:MaxDirectMemorySize=64m -XX:ReservedCodeCacheSize=64m -XX:+ExitOnOutOfMemoryError"
# glibc malloc arenas: two, not 8 per core (bin/gateway exports the same)
ENV MALLOC_ARENA_MAX=2
# exec form: java is PID 1 and gets SIGTERM, so in-flight requests finish (camel.main.shutdown-timeout)
CMD ["java", "-jar", "ai-failover-gateway.jar"]
