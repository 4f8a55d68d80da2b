"""gunicorn's entry point: `gunicorn wsgi:app` (news-search serve does this for you)."""

from search import dependencies
from web import create_app

dependencies.check(dependencies.SERVING)  # a broken install stops here, naming the package
app = create_app()
