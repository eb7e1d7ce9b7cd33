# Container image with both binaries: driver and executor.
#   docker build -t sluice .
#   docker run --rm sluice driver help
# The GPU engine needs the NVIDIA container runtime on the host (it
# provides libnvidia-ml and libcuda); without it the executor runs the CPU
# engine.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -ldflags "-s -w" -o /out/driver ./cmd/driver && \
    CGO_ENABLED=1 go build -trimpath -ldflags "-s -w" -o /out/executor ./cmd/executor

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* && \
    useradd --system --uid 10001 --home-dir /work --create-home sluice
COPY --from=build /out/driver /out/executor /usr/local/bin/
USER 10001
WORKDIR /work
# gRPC, gossip (TCP and UDP), web UI and metrics.
EXPOSE 7070 7946 7946/udp 4040 9090
ENTRYPOINT []
CMD ["driver", "help"]
