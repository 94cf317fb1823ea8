# The cluster end-to-end scenario (Tests/e2e/cluster_lb/cluster_scenario.py) in a small Python image,
# for the `tests` service of docker/docker-compose.yml (profile `test`).
#
#   docker build -f docker/tests.Dockerfile -t socketio-cluster-tests .   (from the repository root)
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
WORKDIR /tests
COPY Tests/e2e/requirements.txt ./requirements.txt
RUN pip install -r requirements.txt \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin tests
COPY Tests/e2e/cluster_lb/cluster_scenario.py ./cluster_scenario.py
USER tests
ENTRYPOINT ["python", "/tests/cluster_scenario.py"]
CMD ["--help"]
