# Production-like image: the same settings, driven by environment variables.
FROM python:3.13-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir -e . \
    && DJANGO_DEBUG=false DJANGO_SECRET_KEY=build-time-collectstatic-only \
       DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput
ENV DJANGO_DEBUG=false
EXPOSE 8000
CMD ["gunicorn", "tiers_payant.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
