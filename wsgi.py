"""gunicorn's entry point: `gunicorn wsgi:app` (news-search serve does this for you)."""

from web import create_app

app = create_app()
