import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("early_signals", "0011_references_unchecked_by_the_database"),
    ]

    operations = [
        migrations.AddField(
            model_name="municipalitysettings",
            name="retention_after_help_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text=(
                    "Days after a case closed with help accepted before the personal data of its signals is removed. "
                    "Empty: the term of the installation (EARLY_SIGNALS_RETENTION_AFTER_HELP_DAYS)."
                ),
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(3650),
                ],
                verbose_name="retention term after help (days)",
            ),
        ),
    ]
