# The base image every service's image starts from: Python, the pinned dependencies, the code
# generated from protos/ and the chassis. Build it first, from the repository root:
#   docker build -f deploy/docker/base.Dockerfile -t crm/base:0.1.0 .
# then each service:  docker build -f services/<name>/Dockerfile -t crm/<name>:0.1.0 .
# (services pass --build-arg BASE=... to use another tag).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CRM_REPO_ROOT=/app \
    CRM_DATA_DIR=/app/data

WORKDIR /app

COPY requirements.txt constraints.txt ./
RUN pip install -r requirements.txt -c constraints.txt

# Generated code from the shared protos (never committed; made here like `make protos` does).
COPY protos ./protos
RUN mkdir -p gen/python \
 && cd protos \
 && python -m grpc_tools.protoc -I . --python_out=../gen/python --grpc_python_out=../gen/python \
      $(find crm -name '*.proto' | sort) \
 && cd .. && find gen/python -type d -exec touch {}/__init__.py \; \
 && echo /app/gen/python > "$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/crm-gen.pth"

COPY libs/chassis ./libs/chassis
RUN pip install --no-deps -e libs/chassis \
 && useradd --system --uid 10001 --home /app crm \
 && mkdir -p /app/data && chown crm /app/data
