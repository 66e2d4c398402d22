# The base image every service's image starts from: Python, the chassis with the runtime
# dependencies its pyproject.toml declares (pinned by constraints.txt), and the code generated
# from protos/. No test or development tool is installed (those are in requirements-dev.txt).
# Build it first, from the repository root:
#   docker build -f deploy/docker/base.Dockerfile -t crm/base:0.1.0 .
# then each service:  docker build -f services/<name>/Dockerfile -t crm/<name>:0.1.0 .
# (services pass --build-arg BASE=... to use another tag).

# Generated code from the shared protos (never committed; made here like `make protos` does),
# in a stage of its own: grpcio-tools stays out of the image.
FROM python:3.11-slim AS protos
WORKDIR /build
COPY constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt grpcio-tools
COPY protos ./protos
RUN mkdir -p gen/python \
 && cd protos \
 && python -m grpc_tools.protoc -I . --python_out=../gen/python --grpc_python_out=../gen/python \
      $(find crm -name '*.proto' | sort) \
 && cd .. && find gen/python -type d -exec touch {}/__init__.py \;

FROM python:3.11-slim

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
RUN pip install -c constraints.txt -e libs/chassis \
 && useradd --system --uid 10001 --home /app crm \
 && mkdir -p /app/data && chown crm /app/data
