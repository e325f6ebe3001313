# syntax=docker/dockerfile:1
#
# profilestream worker image: a static streamer binary on distroless, run as non-root.
#
#   docker build -t profilestream/streamer .
#   docker run --rm profilestream/streamer help
#
# The bundled model and the demo sample are embedded in the binary (go:embed), so the image
# needs no other files. The pure-Go matrix kernel is used (CGO_ENABLED=0); the OpenBLAS
# kernel (-tags openblas) needs cgo and a libc image and is not built here.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Dependencies first: this layer is cached until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" \
      -o /out/streamer ./cmd/streamer

# distroless/static: CA certificates, tzdata and /etc/passwd with the nonroot user (65532);
# no shell and no package manager. About 2 MB plus the binary.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/streamer /streamer
USER 65532:65532
# /metrics, /healthz, /readyz (and /debug/pprof/ with --pprof)
EXPOSE 9100
ENV STREAMER_METRICS_ADDR=:9100 \
    STREAMER_LOG_FORMAT=json
ENTRYPOINT ["/streamer"]
CMD ["run"]
