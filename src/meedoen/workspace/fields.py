"""Form fields the workspace's forms share."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from meedoen.core.numbers import whole_number


class IdsChoiceField(forms.ModelMultipleChoiceField[Any]):
    """Check boxes of rows chosen by id, where a value that cannot be an id is refused before the
    database is asked: SQLite cannot even compare an integer of more than 64 bits, and Django's own
    field would fail with an error (500) on 99999999999999999999."""

    def clean(self, value: Any) -> Any:
        for one in value if isinstance(value, list | tuple) else ():
            if one not in self.empty_values and whole_number(str(one)) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": one}
                )
        return super().clean(value)
