"""Demo data for trying collector at once (``collector demo``): a ministry, two
agencies and their counters with two years of answers (``responses``), one staff
account per role (``staff``) and complaint cases in every state (``complaints``).
Every seeding runs once: a second run finds its data and does nothing."""
