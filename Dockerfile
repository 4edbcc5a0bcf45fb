# The verifier as a container: worker by default, `serve` or `sandbox` by command.
#   docker build -t microtask-verifier .
#   docker run --rm -e REDIS_URL=redis://redis:6379/0 -v verifier-home:/data microtask-verifier worker
#   docker run --rm microtask-verifier demo
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OMP_THREAD_LIMIT=1 \
    VERIFIER_HOME=/data \
    VERIFIER_CHROMIUM=/usr/bin/chromium

# Debian's Chromium (no Playwright browser download needed), Tesseract with
# English, Bengali and Hindi, fonts that render Bengali and Devanagari, and
# redis-server so `verifier demo` runs with nothing else.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        chromium tesseract-ocr tesseract-ocr-eng tesseract-ocr-ben tesseract-ocr-hin \
        fonts-noto-core fonts-liberation redis-server ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY verifier ./verifier
COPY jobs ./jobs
COPY fixtures ./fixtures
RUN pip install .

# Chromium keeps its own sandbox when the verifier does not run as root; if the
# runtime forbids user namespaces, run with -e VERIFIER_CHROMIUM_NO_SANDBOX=1.
RUN useradd --create-home --uid 10001 verifier && mkdir -p /data && chown verifier /data
USER verifier
VOLUME ["/data"]
EXPOSE 8000

ENTRYPOINT ["verifier"]
CMD ["worker"]
