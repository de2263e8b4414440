# The mcp-core server image: `mcp-core serve` on port 3000 of all the container's interfaces,
# as the unprivileged `node` user, with node as PID 1 (it drains on SIGTERM, then exits 0).
#
#   docker build -t mcp-core .
#   docker run --rm -p 127.0.0.1:3000:3000 mcp-core serve --demo
#   podman build --format docker -t mcp-core .    # podman: --format docker keeps the HEALTHCHECK
#
# Configuration: mount a config file at /etc/mcp-core/config.yaml, override any setting with
# MCP__SECTION__KEY variables. docs/OPERATIONS.md, "Container", has the details.

# Fully qualified, so that podman resolves it without asking which registry "node" lives in.
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim

# The production dependencies alone. --ignore-scripts: the project's own `prepare` script
# builds dist/ and needs the dev dependencies; no production dependency has an install script.
# Cached until package-lock.json changes.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# The build: all dependencies, then the sources. --ignore-scripts here too: `prepare` would
# build before the sources are copied, and the `node` dev dependency's install script would
# fetch a second Node where the base image's is the one that runs.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY schema ./schema
COPY src ./src
RUN npm run build

# What runs: node, the production dependencies and the built dist/. No compiler, no sources,
# no npm cache.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    MCP__HTTP__HOST=0.0.0.0 \
    MCP__HTTP__PORT=3000
# Inside a container, listening on every interface is what makes the port reachable. Bound off
# loopback with no allowedHosts/allowedOrigins, the server accepts any Host header and
# same-origin browser requests only (a request with a foreign Origin gets 403); put the names
# clients use in MCP__HTTP__ALLOWEDHOSTS to refuse the rest. The environment wins over config
# files, so the address is set here, not in /etc/mcp-core/config.yaml.
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY schema ./schema
COPY container/healthcheck.js ./container/healthcheck.js
COPY container/config.yaml /etc/mcp-core/config.yaml
# Files stay owned by root: the server cannot change its own code or configuration.
USER node
EXPOSE 3000
# Liveness of the local listener (GET /healthz, HTTP or HTTPS); see container/healthcheck.js.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "/app/container/healthcheck.js"]
# node itself is PID 1: mcp-core handles SIGTERM and SIGINT (stop taking work, let calls in
# flight finish up to server.shutdownDeadlineMs, exit 0). No shell in between to swallow them.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/dist/bin/mcp-core.js"]
CMD ["serve", "--config", "/etc/mcp-core/config.yaml"]
