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
# JDK 21+ runs HTTP requests on virtual threads (see the README, Concurrency)
FROM eclipse-temurin:25-jre
WORKDIR /app
COPY --from=build /src/target/lib/ ./lib/
COPY --from=build /src/target/ai-failover-gateway.jar ./
# defaults; mount your own at /app/routes and /app/config
COPY routes/ ./routes/
COPY config/ ./config/
# gateway.http.port; 8099 is the simulator's fault switch (docker-compose.yml publishes it on the host's loopback)
EXPOSE 8080 9876
# exec form: java is PID 1 and gets SIGTERM, so in-flight requests finish (camel.main.shutdown-timeout)
CMD ["java", "-jar", "ai-failover-gateway.jar"]
