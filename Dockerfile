# dvcbot: slim image, non-root user, migrations then `dvcbot serve`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DVCBOT_WEB_HOST=0.0.0.0 \
    DVCBOT_WEB_PORT=8080 \
    DVCBOT_DATABASE_URL=sqlite+aiosqlite:////data/dvcbot.db

RUN useradd --create-home --uid 10001 dvcbot && mkdir -p /data && chown dvcbot /data
WORKDIR /app
COPY pyproject.toml README.md LICENSE NOTICE ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY content ./content
RUN pip install --no-cache-dir -e .

USER dvcbot
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status == 200 else 1)"
CMD ["sh", "-c", "dvcbot db upgrade && exec dvcbot serve"]
