# openbank-gateway in a container: a Debian 12 build stage compiles the
# programs, and a slim runtime stage carries them with the schema, the
# configuration, the static pages and GraphiQL's browser files.
#
#   docker build -t openbank-gateway .
#   docker run --rm -p 8888:8888 -e KAFKA_BROKERS=broker:9092 openbank-gateway
#
# The image runs the gateway only; point KAFKA_BROKERS (and SCHEMA_REGISTRY_URL
# when a registry is used) at a real cluster. For the all-in-one embedded
# stack use scripts/run on a Debian 12 machine instead.

FROM debian:12 AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential cmake pkg-config ca-certificates nodejs npm \
      libh2o-evloop-dev libwslay-dev librdkafka-dev libavro-dev \
      libjansson-dev libyaml-dev libsodium-dev libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build build -j"$(nproc)" --target gateway embedded-kafka command-handler

FROM debian:12-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libh2o-evloop0.13 libwslay1 librdkafka1 libavro23 libjansson4 libyaml-0-2 libsodium23 libssl3 zlib1g \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /app gateway
WORKDIR /app
COPY --from=build /src/build/bin/gateway /src/build/bin/embedded-kafka /src/build/bin/command-handler bin/
COPY --from=build /src/node_modules node_modules
COPY schema schema
COPY config config
COPY static static
USER gateway
EXPOSE 8888
ENTRYPOINT ["/app/bin/gateway", "--config", "/app/config/gateway.yaml"]
