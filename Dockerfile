# borderwatch: multi-stage image. The builder makes the wheel and a virtualenv; the final stage copies
# only the virtualenv and config/ onto a clean python:3.11-slim (no compilers, no pip cache, non-root).

FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY feeds ./feeds
COPY storage ./storage
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip wheel --no-cache-dir --no-deps --wheel-dir /wheels . \
    && /opt/venv/bin/pip install --no-cache-dir /wheels/borderwatch-*.whl

FROM python:3.11-slim
LABEL org.opencontainers.image.title="borderwatch" \
      org.opencontainers.image.description="Telegram alerts for news from the Armenia-Azerbaijan border"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    BORDERWATCH_DATABASE_URL=sqlite+aiosqlite:////data/borderwatch.db \
    BORDERWATCH_METRICS_PORT=9100
RUN groupadd --system --gid 10001 borderwatch \
    && useradd --system --uid 10001 --gid borderwatch --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin borderwatch \
    && mkdir -p /data \
    && chown borderwatch:borderwatch /data
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY config ./config
USER 10001:10001
VOLUME ["/data"]
EXPOSE 9100 8443
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['BORDERWATCH_METRICS_PORT'] + '/healthz', timeout=4)"]
CMD ["borderwatch", "run"]
