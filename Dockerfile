# The verifier as a container: worker by default; `serve`, `db upgrade`, `demo` by command.
#   docker build -t microtask-verifier .
#   docker run --rm microtask-verifier demo
#   docker compose up            (compose.yaml: Redis, PostgreSQL, migrations, API, workers)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OMP_THREAD_LIMIT=1 \
    VERIFIER_HOME=/data \
    VERIFIER_CHROMIUM=/usr/bin/chromium \
    VERIFIER_HEALTH_URL=http://127.0.0.1:8000/healthz

# Debian's Chromium (no Playwright browser download needed), Tesseract with
# English, Bengali and Hindi, fonts that render Bengali and Devanagari,
# redis-server so `verifier demo` runs with nothing else, and tini as PID 1 so
# Chromium's children are reaped and SIGTERM reaches the worker.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        chromium tesseract-ocr tesseract-ocr-eng tesseract-ocr-ben tesseract-ocr-hin \
        fonts-noto-core fonts-liberation redis-server ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY verifier ./verifier
COPY jobs ./jobs
COPY fixtures ./fixtures
RUN pip install '.[postgres]'

# Chromium keeps its own sandbox when the verifier does not run as root; if the
# runtime forbids user namespaces, run with -e VERIFIER_CHROMIUM_NO_SANDBOX=1.
RUN useradd --create-home --uid 10001 verifier && mkdir -p /data && chown verifier /data
USER verifier
VOLUME ["/data"]
EXPOSE 8000 9100

# The API answers /healthz; a worker started with --metrics-port 9100 answers
# /metrics there (compose sets VERIFIER_HEALTH_URL per service).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['VERIFIER_HEALTH_URL'], timeout=4)"]

ENTRYPOINT ["/usr/bin/tini", "--", "verifier"]
CMD ["worker"]
