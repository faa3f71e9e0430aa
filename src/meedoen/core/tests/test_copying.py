"""The column types of a binary COPY."""

from __future__ import annotations

import pytest
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from psycopg.postgres import types

from meedoen.core.copying import column_types


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="issue 5: the types are PostgreSQL's; CI runs this on PostgreSQL"
)
def test_each_column_type_is_named_without_its_length_as_the_driver_knows_it():
    fields = [
        models.CharField(max_length=64),
        models.DecimalField(max_digits=10, decimal_places=2),
        ArrayField(models.CharField(max_length=10)),
        models.DateTimeField(),
        models.JSONField(),
        models.BigIntegerField(),
        models.SmallIntegerField(),
        models.UUIDField(),
    ]
    names = column_types(fields, connection)
    assert names == [
        "varchar",
        "numeric",
        "varchar[]",
        "timestamp with time zone",
        "jsonb",
        "bigint",
        "smallint",
        "uuid",
    ]
    assert all(types.get(name) is not None for name in names)
