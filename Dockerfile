# syntax=docker/dockerfile:1
#
# The orchestrator service: `iac-orchestrator serve` with terraform, the AWS CLI and the Azure CLI.
# UNBUILT: written without a Docker engine at hand (none on the machine it was written on). Build and
# smoke-test it (`docker build`, then `curl :3004/ready`) before relying on it.
#
#   docker build -t orchestrator-service:latest .
#   docker run -p 3004:3004 -e ORCHESTRATOR_API_TOKENS=ci:deployer:<32+ random chars> \
#     -e IAC_GENERATOR_URL=http://iac-generator:3002 orchestrator-service:latest
#
# The container listens on 0.0.0.0, so it refuses to start without ORCHESTRATOR_API_TOKENS unless
# ORCHESTRATOR_ALLOW_UNAUTHENTICATED=true is passed explicitly. No Docker socket is needed.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG TERRAFORM_VERSION=1.11.4

# ---- build: compile every workspace package to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# better-sqlite3 (the SQLite store) fetches a prebuilt addon, else compiles one: the toolchain for the latter.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.base.json tsconfig.json tsup.base.ts ./
COPY packages/core/package.json packages/core/
COPY packages/executor-terraform/package.json packages/executor-terraform/
COPY packages/executor-cloudformation/package.json packages/executor-cloudformation/
COPY packages/executor-bicep/package.json packages/executor-bicep/
COPY packages/state-store-redis/package.json packages/state-store-redis/
COPY packages/state-store-sqlite/package.json packages/state-store-sqlite/
COPY packages/http-adapter/package.json packages/http-adapter/
COPY examples/package.json examples/
RUN npm ci --no-audit --no-fund
COPY packages packages
RUN npm run build --workspaces --if-present \
 && npm prune --omit=dev --no-audit --no-fund

# ---- terraform: the official release zip, checked against HashiCorp's published SHA256SUMS ----
FROM debian:bookworm-slim AS terraform
ARG TERRAFORM_VERSION
ARG TARGETARCH=amd64
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl unzip \
 && curl -fsSLo /tmp/tf.zip "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_linux_${TARGETARCH}.zip" \
 && curl -fsSLo /tmp/SHA256SUMS "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_SHA256SUMS" \
 && (cd /tmp && grep "terraform_${TERRAFORM_VERSION}_linux_${TARGETARCH}.zip" SHA256SUMS | sed "s/terraform_.*\.zip/tf.zip/" | sha256sum -c -) \
 && unzip /tmp/tf.zip -d /usr/local/bin \
 && /usr/local/bin/terraform version

# ---- runtime ----
FROM ${NODE_IMAGE}
# awscli (Debian's package) for CloudFormation; azure-cli from Microsoft's apt repository for Bicep;
# tini forwards SIGTERM to node so running deployments get their grace period.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg lsb-release tini awscli \
 && mkdir -p /etc/apt/keyrings \
 && curl -fsSL https://packages.microsoft.com/keys/microsoft.asc | gpg --dearmor -o /etc/apt/keyrings/microsoft.gpg \
 && echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/microsoft.gpg] https://packages.microsoft.com/repos/azure-cli/ $(lsb_release -cs) main" > /etc/apt/sources.list.d/azure-cli.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends azure-cli \
 && apt-get purge -y gnupg lsb-release \
 && rm -rf /var/lib/apt/lists/*
COPY --from=terraform /usr/local/bin/terraform /usr/local/bin/terraform

WORKDIR /app
COPY --from=build --chown=root:root /src/package.json /src/package-lock.json ./
COPY --from=build --chown=root:root /src/node_modules node_modules
COPY --from=build --chown=root:root /src/packages packages

RUN mkdir -p /var/lib/iac-orchestrator /tmp/terraform /tmp/bicep /tmp/cloudformation \
 && chown node:node /var/lib/iac-orchestrator /tmp/terraform /tmp/bicep /tmp/cloudformation
USER node

ENV NODE_ENV=production \
    PORT=3004 \
    HOST=0.0.0.0 \
    LOG_LEVEL=info \
    ORCHESTRATOR_DATA_DIR=/var/lib/iac-orchestrator \
    TERRAFORM_WORK_DIR=/tmp/terraform \
    BICEP_WORK_DIR=/tmp/bicep \
    CFN_WORK_DIR=/tmp/cloudformation \
    MAX_DEPLOYMENT_TIMEOUT_MS=1800000 \
    STATE_BACKUP_RETENTION=10
VOLUME ["/var/lib/iac-orchestrator"]
EXPOSE 3004
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3004)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
# `iac-orchestrator serve` from the built packages: the same command as `npm start` (packages/http-adapter/test/quick-start.test.ts checks they match).
CMD ["node", "packages/http-adapter/dist/cli.js", "serve"]
