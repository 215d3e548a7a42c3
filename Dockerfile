# syntax=docker/dockerfile:1
# One image for every Gongkai process: `gongkai worker`, `gongkai api`, `gongkai setup`
# (docs/deployment.md). Dependencies come only from the hashed lock file.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/gongkai
ENV PATH=/opt/gongkai/bin:$PATH
WORKDIR /src
# The lock alone first, so a code change does not reinstall the dependencies.
COPY requirements.lock .
RUN pip install --require-hashes -r requirements.lock
COPY . .
RUN pip install --no-deps --no-build-isolation .

FROM python:3.11-slim
ENV PATH=/opt/gongkai/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
COPY --from=build /opt/gongkai /opt/gongkai
RUN groupadd --system --gid 10001 gongkai \
    && useradd --system --uid 10001 --gid gongkai --home-dir /app --create-home gongkai
WORKDIR /app
# Numeric, so an orchestrator can verify it is not root (runAsNonRoot).
USER 10001:10001
ENTRYPOINT ["gongkai"]
CMD ["--help"]
