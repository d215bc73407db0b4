"""Plugins bundled with collector: on by default, disabled with ``PLUGINS_DISABLED``.

Each is a normal plugin (it imports only ``collector`` and ``surveys``) and
doubles as a worked example for agencies writing their own.
"""

BUNDLED: dict[str, str] = {
    "land_office": "plugins.land_office",
    "hakka": "plugins.hakka",
}
