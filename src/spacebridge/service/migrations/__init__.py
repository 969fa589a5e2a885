"""Alembic migrations of the service's database (SQLite and PostgreSQL).

Run by :func:`spacebridge.service.store.migrate` at start-up; there is no ``alembic.ini``: the configuration is
built in code from the database URL. To add a revision after changing :mod:`spacebridge.service.models`::

    python -m spacebridge.service.migrations revision "what changed" --db sqlite:///scratch.sqlite
"""
