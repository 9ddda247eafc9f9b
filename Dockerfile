# Partner Center API image. Build stage compiles TypeScript; the runtime stage carries only
# production dependencies and the compiled output.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds a native module when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig*.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
# The service catalog is read at start (CATALOG_PATH, default config/catalog.json): not emitted by tsc.
COPY config ./config
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
# The SQLite defaults write under ./data: owned by the user the service runs as.
RUN mkdir -p data && chown node:node data
USER node
EXPOSE 3000
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=100", "dist/apps/api/src/main.js"]
