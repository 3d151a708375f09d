# One image for the web processes, the scheduler and the one-shot migration.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 FLASK_APP=wsgi:app
WORKDIR /app
RUN useradd --system --create-home dialog

COPY pyproject.toml README.md ./
COPY dialog ./dialog
COPY events ./events
COPY services ./services
COPY wsgi.py gunicorn.conf.py ./
RUN pip install .

USER dialog
EXPOSE 5000
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:5000/healthz').status != 200)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "-b", "0.0.0.0:5000", "wsgi:app"]
