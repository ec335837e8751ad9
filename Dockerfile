# seawatch in a container: the daemon by default; any other command with `docker run ... seawatch CMD`.
#
#   docker build -t seawatch .
#   docker run -d --name seawatch --restart unless-stopped \
#     -v seawatch-data:/data -v "$PWD/seawatch.toml:/etc/seawatch/seawatch.toml:ro" \
#     --env-file secrets.env seawatch
#   docker logs -f seawatch
#   docker exec seawatch seawatch status
#
# Only one container per data volume: the daemon refuses to start when another holds the volume.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SEAWATCH_DATA_DIR=/data \
    SEAWATCH_CONFIG=/etc/seawatch/seawatch.toml

# tzdata: local times in the e-mail (Africa/Tripoli); ca-certificates: HTTPS and SMTP TLS.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tzdata ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/seawatch
COPY pyproject.toml README.md ./
COPY seawatch ./seawatch
COPY docs ./docs
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin seawatch \
    && install -d -o seawatch -g seawatch -m 0750 /data \
    && install -d -m 0755 /etc/seawatch \
    && printf '# mount your seawatch.toml here\n' > /etc/seawatch/seawatch.toml

USER seawatch
VOLUME ["/data"]

# docker stop sends SIGTERM: the daemon finishes the running job, then exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["seawatch"]
CMD ["schedule"]
