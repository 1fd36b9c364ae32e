# dvcbot: a production image. Dependencies come from requirements.lock in their own layer (editing
# content or code does not reinstall them); the runtime stage has no pip cache, compilers or build
# layers. Settings have no ENV here: /etc/dvcbot/defaults.env holds the image's defaults, which a
# mounted .env (in /app) or real environment variables override.

# --- build: a virtual environment with the locked dependencies, then dvcbot itself -----------------
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# binutils: `strip` for the compiled extensions below (this stage only).
RUN apt-get update && apt-get install -y --no-install-recommends binutils \
 && rm -rf /var/lib/apt/lists/* && python -m venv /opt/dvcbot
WORKDIR /src
COPY requirements.lock ./
# Then ~60 MB less: debug symbols of the packages' own extensions (not the bundled *.libs, which
# auditwheel patched and strip could break), and Babel's locale data beyond vi and en. The
# import check fails the build if either went too far.
RUN /opt/dvcbot/bin/pip install --no-deps -r requirements.lock \
 && find /opt/dvcbot -name '*.so' -type f -not -path '*.libs/*' -exec strip --strip-unneeded {} + \
 && find /opt/dvcbot/lib/python3*/site-packages/babel/locale-data -type f -name '*.dat' \
      -not -name 'root.dat' -not -name 'en.dat' -not -name 'en_*.dat' -not -name 'vi*.dat' -delete \
 && /opt/dvcbot/bin/python -c "import numpy, matplotlib.pyplot, PIL.Image, rapidfuzz, asyncpg, \
sqlalchemy, aiohttp, pydantic_core, yaml; from babel import Locale; from babel.numbers import \
format_decimal; assert format_decimal(1234.5, locale='vi_VN') == '1.234,5'; Locale.parse('en')"
COPY pyproject.toml README.md LICENSE NOTICE ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN /opt/dvcbot/bin/pip install --no-deps . \
 && /opt/dvcbot/bin/pip uninstall -y pip setuptools wheel \
 && find /opt/dvcbot -name '__pycache__' -prune -exec rm -rf {} + \
 && find /opt/dvcbot -name 'tests' -path '*site-packages/*/tests' -prune -exec rm -rf {} +

# --- runtime ----------------------------------------------------------------------------------
FROM python:3.11-slim
ENV PATH=/opt/dvcbot/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
RUN useradd --create-home --uid 10001 dvcbot && mkdir -p /data /etc/dvcbot && chown dvcbot /data \
 && pip uninstall -y pip setuptools wheel 2>/dev/null || true
COPY --from=build /opt/dvcbot /opt/dvcbot
COPY deploy/defaults.env /etc/dvcbot/defaults.env
COPY content /app/content
COPY LICENSE NOTICE /app/
WORKDIR /app
USER dvcbot
VOLUME ["/data"]
EXPOSE 8080
# Reads DVCBOT_WEB_PORT like the app does, so a changed port stays healthy.
HEALTHCHECK --interval=30s --timeout=6s --start-period=30s --retries=3 CMD ["dvcbot", "healthcheck"]
# One process: wait for the database, migrate, serve; SIGTERM stops it at once in every phase.
CMD ["dvcbot", "serve", "--upgrade"]
