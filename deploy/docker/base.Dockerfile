# The base image every service's image starts from: Python, the chassis with the runtime
# dependencies its pyproject.toml declares (pinned by constraints.txt), and the code generated
# from protos/. No test or development tool is installed (those are in requirements-dev.txt).
# Build it first, from the repository root:
#   docker build -f deploy/docker/base.Dockerfile -t crm/base:0.1.0 .
# then each service:  docker build -f services/<name>/Dockerfile -t crm/<name>:0.1.0 .
# (services pass --build-arg BASE=... to use another tag).

#
# The Python image is pinned by digest, and the digest is a required build argument: no digest
# of python:3.11-slim could be verified where this file was written, and an invented one would
# either fail or, worse, name an image nobody checked. Resolve it where you build, once per
# Python update, and keep it with the release:
#   docker buildx imagetools inspect python:3.11-slim    (the "Digest:" line)
#   docker build -f deploy/docker/base.Dockerfile \
#     --build-arg PYTHON_DIGEST=sha256:<64 hex digits> -t crm/base:0.1.0 .
# Without it the build stops at the first FROM (an empty digest is no image reference).
# `make lint` (scripts/dockerfile_lint.py) refuses a FROM of an outside image that is not
# pinned this way.
ARG PYTHON_DIGEST

# Generated code from the shared protos (never committed; made here like `make protos` does),
# in a stage of its own: grpcio-tools stays out of the image.
FROM python:3.11-slim@${PYTHON_DIGEST} AS protos
WORKDIR /build
COPY constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt grpcio-tools
COPY protos ./protos
WORKDIR /build/protos
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN mkdir -p ../gen/python \
 && find crm -name '*.proto' | sort | xargs python -m grpc_tools.protoc -I . \
      --python_out=../gen/python --grpc_python_out=../gen/python \
 && find ../gen/python -type d -exec touch {}/__init__.py \;

FROM python:3.11-slim@${PYTHON_DIGEST}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CRM_REPO_ROOT=/app \
    CRM_DATA_DIR=/app/data

WORKDIR /app

COPY constraints.txt ./
COPY --from=protos /build/gen ./gen
RUN echo /app/gen/python > "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/crm-gen.pth"

COPY libs/chassis ./libs/chassis
RUN pip install --no-cache-dir -c constraints.txt -e libs/chassis \
 && useradd --system --uid 10001 --home /app crm \
 && mkdir -p /app/data && chown crm /app/data
