# simbot: the Telegram bot, with its articles and their index, in one small image.
#
#   docker build -t simbot .
#   docker run --rm -e SIMBOT_TELEGRAM_TOKEN=123456789:AA... simbot
#
# Configuration comes only from SIMBOT_* variables or from secrets files in /run/secrets, one
# file a setting, named like its variable (e.g. /run/secrets/simbot_telegram_token): see the
# README's "Docker" section. Nothing secret is baked in.

# The Python of pyproject.toml's requires-python and of CI, pinned by minor version.
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

# Every dependency ships as a wheel for this Python, so the builder needs no compiler either;
# it exists so that pip, setuptools and the build's leftovers stay out of the final image.
WORKDIR /build
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/simbot \
    && /opt/simbot/bin/pip wheel --no-cache-dir --no-deps --wheel-dir /build/dist . \
    && /opt/simbot/bin/pip install --no-cache-dir /build/dist/simbot-*.whl \
    && /opt/simbot/bin/simbot --version


FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/simbot/bin:$PATH \
    SIMBOT_SEEDS_DIR=/app/seeds \
    SIMBOT_INDEX_DIR=/app/index

# A system user of its own, with a fixed numeric id (Kubernetes' runAsNonRoot can check it).
RUN useradd --system --no-log-init --uid 10001 --user-group --no-create-home \
    --home-dir /nonexistent --shell /usr/sbin/nologin simbot

COPY --from=builder /opt/simbot /opt/simbot
WORKDIR /app
# Owned by root and read-only to the bot: the index is never written at run time.
COPY seeds ./seeds
COPY index ./index

USER 10001:10001

# An image whose index is missing, damaged or out of date with its articles cannot be built.
RUN simbot index check

# The webhook server's port (SIMBOT_WEBHOOK_PORT), used only when SIMBOT_WEBHOOK_URL is set.
EXPOSE 8080

# Webhook mode: the bot's own health route answers 200. Long polling: the Bot API answers the
# token and no webhook is diverting the updates. `simbot health` exits 0 or 1, never 2.
HEALTHCHECK --interval=30s --timeout=15s --start-period=20s --retries=3 \
    CMD ["simbot", "health"]

ENTRYPOINT ["simbot"]
CMD ["run"]
