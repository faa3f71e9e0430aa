"""The regelingencheck's rules as code: an OpenFisca country package inside Meedoen.

``entities`` (person and household), ``parameters/`` (dated national figures with their sources),
``variables/`` (national rules, vectorised), ``schemes`` (municipal and partner schemes from data) and
``tests/`` (OpenFisca YAML tests). :func:`~meedoen.entitlements.rules.system.rules_system` builds a system.
"""
