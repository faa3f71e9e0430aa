"""A threatening signal that joins a case after its first offer gets a term of its own."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("early_signals", "0012_retention_after_help"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="threat_due",
            field=models.DateField(blank=True, null=True, verbose_name="respond to the new threatening signal by"),
        ),
    ]
