# One image for both processes: `node tools/run.js api`, `... worker` or `... migrate`
# (what docker-compose.yml runs). The image holds dist/ only, no TypeScript sources.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the postinstall builds the console from sources not copied yet; `npm run build`
# below builds it (into dist/console) with everything else.
RUN npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY tools ./tools
COPY apps ./apps
COPY libs ./libs
COPY bench ./bench
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Files go to a directory user node owns (the default ./var/storage would be under root-owned
# /app); mount a volume here to keep them, and share it between api and workers.
ENV STORAGE_DIR=/var/lib/porter/storage
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/tools ./tools
RUN mkdir -p "$STORAGE_DIR" && chown node:node "$STORAGE_DIR"
USER node
# 3000: the API; 9464: a worker's /metrics and /health (WORKER_METRICS_PORT).
EXPOSE 3000 9464
CMD ["node", "tools/run.js", "api"]
