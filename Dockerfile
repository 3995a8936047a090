# openbank-gateway in a container: a Debian 12 build stage compiles the
# programs, and a slim runtime stage carries them with the schema, the
# configuration, the static pages and GraphiQL's browser files.
#
#   docker build -t openbank-gateway .
#   docker run --rm -p 8888:8888 -e KAFKA_BROKERS=broker:9092 openbank-gateway
#   docker compose up          (compose.yaml: Kafka, a Schema Registry, the
#                               handler and two gateways)
#
# Every build step is a step of scripts/container-build, which CI runs as
# plain shell on Debian 12 (scripts/check-deploy, a stage of scripts/test):
# Docker does not run on our machines, so that check is what keeps this file
# honest. Keep RUN lines calling that script, not inline commands.
#
# The image runs as the unprivileged user `openbank` (uid 10001) and writes
# nothing outside /app/state (declare it a volume, or a tmpfs) and stderr, so
# it runs with a read-only root filesystem (`read_only: true` in compose.yaml).
# The same image runs the gateway (the default), `--sync-topology`, and the
# command handler (entrypoint /app/bin/command-handler).

FROM debian:12 AS build
COPY scripts/container-build /usr/local/bin/container-build
RUN container-build build-deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN container-build npm /src
COPY . .
RUN container-build compile /src /src/build-release \
 && container-build install /src /src/build-release /app

FROM debian:12-slim
COPY scripts/container-build /usr/local/bin/container-build
RUN container-build runtime-deps \
 && useradd --system --uid 10001 --home-dir /app --no-create-home openbank
COPY --from=build /app /app
RUN chown openbank /app/state
WORKDIR /app
USER 10001
EXPOSE 8888
VOLUME /app/state
# GET /healthz on GATEWAY_PORT over bash's /dev/tcp (no curl in the image);
# only meaningful for the gateway: compose.yaml turns it off for the handler.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["/app/bin/healthcheck"]
ENTRYPOINT ["/app/bin/gateway", "--config", "/app/config/gateway.yaml"]
