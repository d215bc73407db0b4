"""The staff pages' shared macros (collector/templates/staff/_fields.html)."""

from __future__ import annotations

import re

from flask import Flask
from flask import render_template_string

from collector.core.i18n import use_language

TABLE = """{% from "staff/_fields.html" import data_table with context %}
{% call data_table('Cases', ['Number', wide and 'Unit', ('hidden', 'Actions')], empty='None yet.') %}
{% for row in rows %}<tr><td>{{ row }}</td></tr>{% endfor %}
{% endcall %}"""


def test_an_empty_table_says_so_across_all_its_columns(app: Flask) -> None:
    with app.test_request_context():
        use_language("en")
        narrow = render_template_string(TABLE, rows=[], wide=False)
        wide = render_template_string(TABLE, rows=[], wide=True)
        filled = render_template_string(TABLE, rows=["A-1"], wide=True)
    assert re.search(r'<td colspan="2">None yet\.</td>', narrow)
    assert re.search(r'<td colspan="3">None yet\.</td>', wide)
    assert "None yet." not in filled and "<td>A-1</td>" in filled


def test_a_post_button_carries_the_csrf_token(app: Flask) -> None:
    with app.test_request_context():
        use_language("en")
        html = render_template_string(
            '{% from "staff/_fields.html" import post_button with context %}'
            "{{ post_button('/staff/x', 'Close', primary=True) }}"
        )
    assert '<form method="post" action="/staff/x" class="inline-form">' in html
    assert re.search(r'name="csrf_token" value="[^"]+"', html)
    assert '<button type="submit" class="primary">Close</button>' in html
