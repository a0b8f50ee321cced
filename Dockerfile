FROM python:3.11-slim

WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

COPY pyproject.toml README.md ./
COPY api ./api
COPY models ./models
COPY seed ./seed
COPY migrations ./migrations
RUN pip install --no-cache-dir -e .

EXPOSE 8000
# Migrate and load the curated catalogue when the database is empty, then serve.
CMD ["sh", "-c", "python -m seed && python -m api"]
