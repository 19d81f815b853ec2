"""The full-text index beside ``SearchDocument``, in each database's own form: an FTS5
table on SQLite, a tsvector column with a GIN index on PostgreSQL. The model does not
declare them (Django has no field for either on both); ``search.backends.database`` is
the only code that reads or writes them."""

from django.db import migrations

SQLITE = [
    (
        "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
        "title, tags, question, accepted, answers, tokenize = 'unicode61 remove_diacritics 0')",
        "DROP TABLE IF EXISTS search_fts",
    ),
]
POSTGRES = [
    (
        "ALTER TABLE search_searchdocument ADD COLUMN vector tsvector",
        "ALTER TABLE search_searchdocument DROP COLUMN IF EXISTS vector",
    ),
    (
        "CREATE INDEX search_document_vector ON search_searchdocument USING gin (vector)",
        "DROP INDEX IF EXISTS search_document_vector",
    ),
]


def _run(statements, index):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        chosen = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, [])
        for pair in chosen if index == 0 else reversed(chosen):
            schema_editor.execute(pair[index])

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(_run(None, 0), _run(None, 1))]
