# Container image of the `beteiligung` API.
#
#   docker build -t beteiligung .
#   docker run --rm -p 8080:8080 -v beteiligung-data:/var/lib/beteiligung beteiligung
#
# Without DATABASE_URL the API uses the SQLite file /var/lib/beteiligung/beteiligung.db
# (mount a volume there to keep it). For PostgreSQL set DATABASE_URL=postgres://…; see
# docker-compose.yml for the production-like stack. Other subcommands run the same way, e.g.
#   docker run --rm -e DATABASE_URL=… beteiligung migrate
#
# Two stages: a Rust build stage, and a small Debian runtime with only libpq and CA certificates.

# ---------------------------------------------------------------------------------------------
# Build stage
# ---------------------------------------------------------------------------------------------
FROM rust:1-bookworm AS build

# libpq for diesel's PostgreSQL backend (SQLite is bundled and compiled from source).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# 1) Dependencies only: build against placeholder sources so that this layer is cached until
#    Cargo.toml or Cargo.lock change, not on every source edit.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

# 2) The real sources. Migrations and the demo catalogue are compiled into the binary.
COPY src ./src
COPY migrations ./migrations
# Make sure cargo sees the real sources as newer than the placeholder build (COPY keeps the
# files' original modification times, which may be older).
RUN touch src/main.rs src/lib.rs build.rs \
    && cargo build --release --locked \
    && cp target/release/beteiligung /usr/local/bin/beteiligung

# ---------------------------------------------------------------------------------------------
# Runtime stage
# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged user with a fixed uid/gid, so volume permissions are predictable.
RUN groupadd --system --gid 10001 beteiligung \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/beteiligung \
       --shell /usr/sbin/nologin beteiligung \
    && install -d -o beteiligung -g beteiligung -m 0750 /var/lib/beteiligung

COPY --from=build /usr/local/bin/beteiligung /usr/local/bin/beteiligung

# The working directory is the data directory: the default SQLite file lands here.
WORKDIR /var/lib/beteiligung
USER 10001:10001

ENV BIND=0.0.0.0:8080
EXPOSE 8080

# Ready = the process answers GET /readyz with 200 (database reachable). There is no curl in
# the slim image, so bash's /dev/tcp speaks a minimal HTTP/1.1 request; the port is taken
# from BIND.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${BIND##*:} && printf 'GET /readyz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q '^HTTP/1\\.[01] 200'"]

# The binary stops gracefully on SIGTERM (docker stop).
STOPSIGNAL SIGTERM
ENTRYPOINT ["beteiligung"]
CMD ["serve"]
