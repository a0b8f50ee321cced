FROM python:3.11-slim

WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app

# Exactly the locked versions, each checked against its hash, so that every build
# installs the same packages (README, Development: how to regenerate the lock).
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock

# The code runs from /app as it is (python -m finds the packages there).
COPY api ./api
COPY models ./models
COPY seed ./seed
COPY migrations ./migrations

EXPOSE 8000
# Migrate and load the curated catalogue when the database is empty, then serve.
# `exec`: uvicorn replaces the shell as PID 1, so `docker stop`'s SIGTERM reaches it
# and in-flight requests are drained.
CMD ["sh", "-c", "python -m seed && exec python -m api"]
